#include <stdio.h>
#include "fwctl.skel.h"
int main(void) { struct fwctl *s = fwctl__open(); fwctl__destroy(s); puts("usage: fwctl"); return 0; }
