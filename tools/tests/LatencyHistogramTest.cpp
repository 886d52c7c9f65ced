// LatencyHistogram: bucket layout over the whole uint64 range and
// percentiles within the stated error of the exact nearest-rank values.
#define BOOST_TEST_MODULE LatencyHistogramTest
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "LatencyHistogram.hpp"

using hermes::bench::LatencyHistogram;

namespace {

// The exact nearest-rank percentile, as the bench computed it before.
std::uint64_t exactPercentile(const std::vector<std::uint64_t>& sorted, double p) {
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    rank = std::clamp<std::size_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_value_falls_in_the_bucket_that_holds_it) {
    std::vector<std::uint64_t> values = {
        0, 1, 255, 256, 257, 1000, 1'000'000, 60'000'000'000, UINT64_MAX};
    for (int bit = 0; bit < 64; ++bit) {
        const std::uint64_t power = std::uint64_t{1} << bit;
        values.push_back(power);
        values.push_back(power - 1);
        values.push_back(power + 1);
        values.push_back(power + power / 3);
    }
    for (const std::uint64_t v : values) {
        BOOST_TEST_CONTEXT("value " << v) {
            const std::size_t bucket = LatencyHistogram::bucketOf(v);
            BOOST_REQUIRE(bucket < LatencyHistogram::kBuckets);
            const std::uint64_t low = LatencyHistogram::lowestOf(bucket);
            const std::uint64_t width = LatencyHistogram::widthOf(bucket);
            BOOST_TEST(low <= v);
            BOOST_TEST(v - low < width);
            // Half a bucket, the error of its midpoint, is within the bound.
            BOOST_TEST(static_cast<double>(width / 2) <=
                       LatencyHistogram::kMaxRelativeError * static_cast<double>(v) + 1e-9);
        }
    }
    BOOST_TEST(LatencyHistogram::bucketOf(UINT64_MAX) == LatencyHistogram::kBuckets - 1);
}

BOOST_AUTO_TEST_CASE(buckets_are_contiguous_and_ordered) {
    for (std::size_t bucket = 0; bucket + 1 < LatencyHistogram::kBuckets; ++bucket) {
        BOOST_TEST_CONTEXT("bucket " << bucket) {
            BOOST_TEST(LatencyHistogram::lowestOf(bucket) + LatencyHistogram::widthOf(bucket) ==
                       LatencyHistogram::lowestOf(bucket + 1));
        }
    }
}

BOOST_AUTO_TEST_CASE(small_values_are_exact_and_empty_is_zero) {
    LatencyHistogram histogram;
    BOOST_TEST(histogram.percentile(50) == 0u);
    BOOST_TEST(histogram.max() == 0u);
    for (std::uint64_t v = 1; v <= 200; ++v) {
        histogram.record(v);
    }
    BOOST_TEST(histogram.count() == 200u);
    BOOST_TEST(histogram.percentile(50) == 100u);
    BOOST_TEST(histogram.percentile(99) == 198u);
    BOOST_TEST(histogram.percentile(100) == 200u);
    BOOST_TEST(histogram.min() == 1u);
}

BOOST_AUTO_TEST_CASE(percentiles_are_within_the_stated_error) {
    // Log-uniform latencies from 1 us to 60 s, plus a tight cluster.
    std::mt19937_64 random(7);
    std::uniform_real_distribution<double> exponent(3, std::log10(60e9));
    std::vector<std::uint64_t> values;
    LatencyHistogram histogram;
    for (int i = 0; i < 200000; ++i) {
        const auto v = static_cast<std::uint64_t>(std::pow(10.0, exponent(random)));
        values.push_back(v);
        histogram.record(v);
    }
    for (int i = 0; i < 50000; ++i) {
        const std::uint64_t v = 20'000'000 + static_cast<std::uint64_t>(i % 977);
        values.push_back(v);
        histogram.record(v);
    }
    std::sort(values.begin(), values.end());
    for (const double p : {0.0, 1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
        BOOST_TEST_CONTEXT("p" << p) {
            const auto exact = static_cast<double>(exactPercentile(values, p));
            const auto got = static_cast<double>(histogram.percentile(p));
            BOOST_TEST(std::abs(got - exact) <= LatencyHistogram::kMaxRelativeError * exact);
        }
    }
    BOOST_TEST(histogram.percentile(100) == values.back());
    BOOST_TEST(histogram.max() == values.back());
    BOOST_TEST(histogram.min() == values.front());
}
