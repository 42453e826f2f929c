/// The SHA-256 of bytes written through `OutputFolder`, as lowercase hex.
func sha256Hex(_ bytes: [UInt8]) -> String {
    SHA256.hash(bytes)
}
