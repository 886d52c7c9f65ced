// hermesd: the Hermes hub daemon. See HermesDaemon.hpp.
#include <iostream>  // POCO_SERVER_MAIN reports exceptions on std::cerr

#include "HermesDaemon.hpp"

POCO_SERVER_MAIN(hermesd::HermesDaemon)
