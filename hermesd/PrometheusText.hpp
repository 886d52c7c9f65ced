#pragma once
// The hub's figures in Prometheus' text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): one
// # HELP and # TYPE per family, `hermes_` names, `_total` counters, base
// units (seconds, bytes). Every family and metric is listed in docs/HUB.md
// "Metrics"; a counter with a label lists every value of it the hub knows
// (at 0 until it happens), so rate() works from the first scrape.
//
// Threading: a pure function.

#include <string>
#include <string_view>

#include "MetricsSnapshot.hpp"

namespace hermesd {

inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

std::string prometheusText(const MetricsSnapshot& figures, const BuildFacts& build);

}  // namespace hermesd
