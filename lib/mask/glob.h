// Case-insensitive glob matching ('*' any run, '?' one byte) for the column
// and table names of mask rules.
#pragma once

#include <string_view>

namespace pqward::mask {

bool GlobMatch(std::string_view pattern, std::string_view name);

}  // namespace pqward::mask
