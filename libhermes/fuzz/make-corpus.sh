#!/usr/bin/env bash
# Writes the seed corpus of FrameDecoderFuzz into libhermes/fuzz/corpus/FrameDecoderFuzz/.
# Each seed is a run header (see FrameDecoderFuzz.cpp: limit mode, operand,
# chunk-size count, chunk sizes) followed by wire bytes written by hand, so
# the seeds do not depend on the encoder they help to test.
set -euo pipefail
out="$(cd "$(dirname "$0")" && pwd)/corpus/FrameDecoderFuzz"
mkdir -p "$out"

# seed NAME HEX...: writes the bytes spelled in hex (spaces ignored).
seed() {
    local name=$1
    shift
    local hex
    hex=$(echo "$*" | tr -d ' \n')
    printf '%s' "$hex" | sed 's/../\\x&/g' | xargs -0 printf '%b' >"$out/$name"
}

hello='0c 0a0a 0801 1203616e61 1a0174'          # Hello{1, "ana", "t"}
ping='06 820103 08ac02'                         # Ping{nonce=300}
empty_ping='03 820100'                          # Ping{}
say='13 2a11 0a0767656e6572616c 102a 1801 22026869'  # Say{"general", 42, ACTION, "hi"}
chat='16 3a14 0a0767656e6572616c 1007 2a03616e61 42026869'  # ChatMessage{"general", seq 7, from "ana", "hi"}
history='13 7a11 0a0367656e 1a0a 1001 2a03616e61 4201 78'   # HistoryPage{"gen", [ {seq 1, "ana", "x"} ]}
zero='00'                                       # Envelope without body
unknown='03 c23e00'                             # field 1000: a body this build does not know

seed whole-stream        "02 00 00 $hello $ping $say $chat $history $empty_ping"
seed byte-at-a-time      "02 00 01 00 $hello $ping $say $zero $unknown"
seed mixed-chunks        "02 00 03 02 06 00 $hello $chat $history $ping $say"
seed small-limit         "00 10 02 03 00 $hello $ping $say"
seed oversize-2pow31     "02 00 00 $ping 8080808008"
seed no-limit-2pow35     "03 00 01 01 $ping ffffffff7f"
seed varint-too-long     "03 00 00 $hello 808080808000 $ping"
seed bad-payload         "01 01 00 $ping 02 ffff $hello"
seed truncated           "02 00 02 04 01 $hello 0c0a0a08"
