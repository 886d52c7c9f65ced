// protobufjs reads uint64 fields as Long objects when the "long" package is
// there. Hermes's ids, seqs, epochs and times fit in 53 bits (the client
// picks ids below 2^53), so the page and its tests take them as plain
// numbers: this stub stands for "long" in every bundle, which makes
// protobufjs fall back to numbers, in the browser and in node alike.
module.exports = null;
