import Foundation
import Pricing

/// IANA time zones from the toolchain's own zone data (Foundation's `TimeZone`, backed by the
/// ICU data shipped with Swift), so every machine with the same Swift release agrees.
public struct IANATimeZone: TimeZoneRules, @unchecked Sendable {
    public let identifier: String
    private let zone: TimeZone

    /// The zone with this IANA name, or nil when the name is unknown.
    public init?(identifier: String) {
        // Foundation also accepts abbreviations ("PST", "BST") and "GMT+2"-style names; take
        // only IANA names (plus UTC) so a catalog means the same on every machine. The list of
        // known identifiers is ICU's older set and lacks current canonical names (Asia/Kolkata,
        // Etc/UTC), so an Area/Location name Foundation resolves to itself is taken too.
        guard let zone = TimeZone(identifier: identifier),
              identifier == "UTC" || TimeZone.knownTimeZoneIdentifiers.contains(identifier)
                || (identifier.contains("/") && zone.identifier == identifier)
        else { return nil }
        self.identifier = identifier
        self.zone = zone
    }

    public func utcOffsetSeconds(at secondsSinceEpoch: Int64) -> Int {
        // A whole number of seconds below 2^53 converts to a Double exactly; this is a lookup
        // key for the zone, never a quantity or an amount.
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(secondsSinceEpoch)))
    }
}

/// Looks up time zones once per name.
public final class TimeZoneDirectory {
    private var cache: [String: IANATimeZone] = [:]

    public init() {}

    /// The rules for an IANA name, or nil when unknown.
    public func rules(_ identifier: String) -> (any TimeZoneRules)? {
        if identifier == "UTC" { return FixedOffsetZone.utc }
        if let cached = cache[identifier] { return cached }
        guard let zone = IANATimeZone(identifier: identifier) else { return nil }
        cache[identifier] = zone
        return zone
    }
}
