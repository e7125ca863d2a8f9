#ifndef FRACTALAD_CPNG_SHIM_H
#define FRACTALAD_CPNG_SHIM_H
#include <png.h>
#endif
