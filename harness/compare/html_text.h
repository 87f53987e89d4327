#pragma once
// Text from reports is untrusted: escape it for HTML element content and attribute values.
#include <string>

namespace fa::compare {

std::string html_escape(const std::string& text);

}  // namespace fa::compare
