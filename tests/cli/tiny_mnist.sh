# Sourced by the CLI tests: `tiny_mnist DIR` writes a tiny MNIST-format data set (256
# training and 64 test images of 12x12) into DIR. Deterministic (a fixed awk seed), so a
# test passes or fails the same way every time: image i has label i % 10 and a bright
# 3x3 square whose place encodes it, over faint noise.
be32() { printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"; }
tiny_idx() {  # tiny_idx DIR PREFIX COUNT SIDE
  { printf '\x00\x00\x08\x03'; be32 "$3"; be32 "$4"; be32 "$4"
    printf '%b' "$(awk -v n="$3" -v s="$4" 'BEGIN { srand(7); for (i = 0; i < n; i++) { l = i % 10
      cy = int(l / 4) * int(s / 3); cx = (l % 4) * int(s / 4)
      for (y = 0; y < s; y++) for (x = 0; x < s; x++) {
        v = (y >= cy && y < cy + 3 && x >= cx && x < cx + 3) ? 250 : int(rand() * 40); printf "\\x%02x", v } } }')"
  } >"$1/$2-images-idx3-ubyte"
  { printf '\x00\x00\x08\x01'; be32 "$3"
    printf '%b' "$(awk -v n="$3" 'BEGIN { for (i = 0; i < n; i++) printf "\\x%02x", i % 10 }')"
  } >"$1/$2-labels-idx1-ubyte"
}
tiny_mnist() {
  mkdir -p "$1"
  tiny_idx "$1" train 256 12
  tiny_idx "$1" t10k 64 12
}
