// hermesd: the Hermes hub daemon. See HermesDaemon.hpp.
#include "HermesDaemon.hpp"

POCO_SERVER_MAIN(hermesd::HermesDaemon)
