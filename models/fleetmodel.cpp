#include "fleetmodel.h"
