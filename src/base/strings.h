// File: strings.h
//
// Small pure string helpers used across the project.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vpccni::strings {

std::vector<std::string> Split(std::string_view s, char sep, bool skip_empty = false);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
std::string_view Trim(std::string_view s);
std::string ToLower(std::string_view s);

// Parses a base-10 integer that must fill the whole string (after trimming spaces).
Result<int64_t> ParseInt(std::string_view s);
Result<uint64_t> ParseUint(std::string_view s);

// Parses Go strconv.ParseBool spellings: 1,t,T,TRUE,true,True,0,f,F,FALSE,false,False.
Result<bool> ParseBool(std::string_view s);

// Escapes a string for inclusion inside JSON double quotes.
std::string JsonEscape(std::string_view s);

// Lower-case hex of bytes.
std::string HexEncode(std::string_view bytes);

}  // namespace vpccni::strings
