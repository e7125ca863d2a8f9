// Pins the OpenCL host API to 1.2 so every vendor's ICD works and no 1.2 entry point is marked deprecated.
#ifndef FRACTALAD_COPENCL_SHIM_H
#define FRACTALAD_COPENCL_SHIM_H
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#endif
