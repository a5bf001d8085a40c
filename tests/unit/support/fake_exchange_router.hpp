// Kept for existing includes: the router tests' fake is the one fake
// exchange (unit/support/fake_exchange.hpp), built from an io_context.
#pragma once
#include "unit/support/fake_exchange.hpp"

namespace strata::test {
using RouterFakeExchange = FakeExchange;
}  // namespace strata::test
