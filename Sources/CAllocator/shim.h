// mallopt and its parameters, for MemoryTuning.
#include <malloc.h>
