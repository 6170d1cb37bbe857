// Bit-exact on-disk encodings of ternary weights (codes in {-1, 0, +1}), independent
// of any CPU; the runtime repacks them into its kernels' order at load. Torch-free.
//
// ternary2   2 bits a weight, 4 a byte. Weight i lives in bits [2*(i%4), 2*(i%4)+1]
//            of byte i/4 (first weight in the low bits). Codes: 0b00 = 0, 0b01 = +1,
//            0b10 = -1; 0b11 is invalid. Unused slots of the last byte are 0b00.
// ternary1.6 5 weights a byte (3^5 = 243 <= 256), 1.6 bits a weight. Byte b holds
//            weights 5b..5b+4 as trits t_0..t_4 (t = 0 for 0, 1 for +1, 2 for -1),
//            value = sum_j t_j * 3^j; values 243..255 are invalid. Unused trits of
//            the last byte are 0, so a last byte holding k weights is < 3^k.
// Decoders reject invalid codes and non-zero padding with FormatError, so every
// byte string decodes to at most one weight vector and every file has one encoding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ttq::format {

size_t ternary2_packed_bytes(size_t count);    // ceil(count / 4)
size_t ternary1_6_packed_bytes(size_t count);  // ceil(count / 5)

// Codes must each be -1, 0 or +1; anything else throws ArgumentError.
std::vector<uint8_t> pack_ternary2(const int8_t* codes, size_t count);
std::vector<uint8_t> pack_ternary1_6(const int8_t* codes, size_t count);

// Decodes `count` codes from exactly packed_bytes(count) bytes into out[0..count).
// Throws FormatError naming `what` (e.g. "'model.bin': tensor 'fc.weight'") on a
// wrong byte count, an invalid code, or non-zero padding.
void unpack_ternary2(const uint8_t* bytes, size_t nbytes, size_t count, int8_t* out, const std::string& what);
void unpack_ternary1_6(const uint8_t* bytes, size_t nbytes, size_t count, int8_t* out, const std::string& what);

}  // namespace ttq::format
