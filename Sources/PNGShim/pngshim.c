#include "pngshim.h"
int pngshim_dummy(void){return 0;}
