#pragma once
// How numbers read in the text outputs (JSON keeps every digit). A missing value is "-".
#include <string>

namespace fa::compare {

std::string format_us(double microseconds);            // "41.2", "4.20", "1234"
std::string format_ratio(double ratio);                // "1.203"
std::string format_interval(double low, double high);  // "[1.190, 1.215]"
std::string format_p_value(double p);                  // "0.0079", "1.8e-04"
std::string format_change(double ratio);               // "+20.3%"
std::string format_percent(double fraction);           // 0.05 -> "5%"

}  // namespace fa::compare
