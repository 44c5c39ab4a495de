/* Declarations only: the definitions come from the fuzzer runtime when fuzzing. */
#include "CFuzzDriver.h"
