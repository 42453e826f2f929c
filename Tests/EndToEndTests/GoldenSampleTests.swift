import Formats
import Foundation
import TestSupport
import XCTest

/// `rate` on the shipped samples, compared byte for byte with reviewed golden files in
/// `samples/expected/rate/`. Regenerate them only with `UPDATE_GOLDEN=1 swift test --filter
/// EndToEndTests`, then review the diff like code.
final class GoldenSampleTests: XCTestCase {
    static let outputNames = [
        "gauges.ndjson", "included-credits.ndjson", "manifest.json", "manifest.sha256",
        "rated.ndjson", "rejects.ndjson", "usage.ndjson",
    ]

    var expectedFolder: URL {
        Executables.samples.appendingPathComponent("expected/rate", isDirectory: true)
    }

    /// Runs `rate` on `samples/` for 2026-10 and returns the output folder.
    func rateSamples() throws -> URL {
        let work = try makeTemporaryDirectory()
        let output = work.appendingPathComponent("out", isDirectory: true)
        let samples = Executables.samples
        let result = try runRate(
            rateArguments(
                catalog: samples.appendingPathComponent("catalog.yaml"),
                customers: samples.appendingPathComponent("customers.yaml"),
                period: "2026-10", output: output,
                inputs: [samples.appendingPathComponent("events").path],
                extra: Executables.sampleRateOptions),
            in: work)
        XCTAssertEqual(result.status, 0, result.transcript)
        return output
    }

    func testSampleOutputsMatchGoldenFiles() throws {
        let output = try rateSamples()
        XCTAssertEqual(folderEntries(output), Self.outputNames, "exactly the seven outputs")
        let update = ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1"
        if update {
            try FileManager.default.createDirectory(
                at: expectedFolder, withIntermediateDirectories: true)
        }
        for name in Self.outputNames {
            let actual = try readBytes(output.appendingPathComponent(name))
            let expectedURL = expectedFolder.appendingPathComponent(name)
            if update {
                try Data(actual).write(to: expectedURL)
                print("UPDATE_GOLDEN: wrote \(expectedURL.path); review the diff")
                continue
            }
            guard FileManager.default.fileExists(atPath: expectedURL.path) else {
                XCTFail("no golden file \(expectedURL.path); run with UPDATE_GOLDEN=1 and review")
                continue
            }
            let expected = try readBytes(expectedURL)
            if actual != expected {
                let difference = firstDifference(
                    expected: String(decoding: expected, as: UTF8.self),
                    actual: String(decoding: actual, as: UTF8.self))
                XCTFail("\(name) differs from \(expectedURL.path): \(difference ?? "")")
            }
        }
    }

    /// The review of the golden files, kept as assertions so a careless `UPDATE_GOLDEN=1` cannot
    /// bless a wrong amount. Each expected value is worked out by hand from
    /// `samples/catalog.yaml` and `samples/customers.yaml`; the usage quantities were
    /// cross-checked once with an independent script over the decompressed events
    /// (Python `Decimal`, `zoneinfo`), which agreed on every one listed here.
    func testHandCheckedRatedAmounts() throws {
        let output = try rateSamples()
        let rated = try readObjects(output.appendingPathComponent("rated.ndjson"))
        let usage = try readObjects(output.appendingPathComponent("usage.ndjson"))

        func line(
            _ customer: String, _ plan: String, _ charge: String, group: [String: String] = [:],
            file: StaticString = #filePath, lineNumber: UInt = #line
        ) -> [String: Any]? {
            let found = rated.filter {
                $0["customer"] as? String == customer && $0["plan"] as? String == plan
                    && $0["charge"] as? String == charge
                    && ($0["group"] as? [String: String]) == group
            }
            XCTAssertEqual(
                found.count, 1, "\(customer)/\(plan)/\(charge)", file: file, line: lineNumber)
            return found.first
        }
        func check(
            _ customer: String, _ plan: String, _ charge: String, group: [String: String] = [:],
            quantity: String, exact: String, amount: String,
            file: StaticString = #filePath, lineNumber: UInt = #line
        ) {
            guard
                let found = line(
                    customer, plan, charge, group: group, file: file, lineNumber: lineNumber)
            else { return }
            XCTAssertEqual(found["quantity"] as? String, quantity, file: file, line: lineNumber)
            XCTAssertEqual(found["amount_exact"] as? String, exact, file: file, line: lineNumber)
            XCTAssertEqual(found["amount"] as? String, amount, file: file, line: lineNumber)
        }

        // 1. cus_1 / starter / api, graduated [0..100] at 0, (100..1000] at 0.004, then 0.002 +
        //    flat 1.00. 115 calls (independently counted; one `late-9` copy is a duplicate):
        //    100 × 0 + 15 × 0.004 = 0.06; the third tier is never entered, so no flat price.
        check("cus_1", "starter", "api", quantity: "115", exact: "0.06", amount: "0.06")
        // 2. cus_1 / starter / storage, volume, free_quantity 100. Usage 4874.759569 GB·h
        //    (late-9's 1.0000000001 is rejected for precision) − 100 = 4774.759569, above 1000:
        //    the second tier, 4774.759569 × 0.015 = 71.621393535, + flat 5.00 = 76.621393535,
        //    half_up to cents: 76.62.
        check(
            "cus_1", "starter", "storage", quantity: "4774.759569", exact: "76.621393535",
            amount: "76.62")
        // 3. cus_1 / starter / tokens {model: m-large}: 914036 tokens (including late-3's "007"
        //    at 23:59:59.999999999Z, the last instant of October) / 1000 = 914.036, round_quantity
        //    up → 915 × 0.012 (the m-large price) = 10.98.
        check(
            "cus_1", "starter", "tokens", group: ["model": "m-large"], quantity: "915",
            exact: "10.98", amount: "10.98")
        // 4. cus_3 / tokyo / api (JPY, 0 minor units): 79 calls × 0.45 = 35.55, half_up to whole
        //    yen: 36.
        check("cus_3", "tokyo", "api", quantity: "79", exact: "35.55", amount: "36")
        // 5. cus_3 / tokyo / seats, package of 10 at 1500, round_packages down: max seats 248
        //    (late-4 at 23:30+09:00 on Oct 31 is still October in Tokyo) → floor(24.8) = 24
        //    packages × 1500 = 36000. (The line's quantity is the aggregate, 248.)
        check("cus_3", "tokyo", "seats", quantity: "248", exact: "36000", amount: "36000")
        // 6. cus_2 / pro_eur / eu_api, filter region ∈ {eu-west-1, eu-central-1}: 171 calls (the
        //    conflicting evt_edf89ccf8358a8bc, eu-west-1, is not billed) × 0.0035 = 0.5985 EUR →
        //    0.60, under the 1.00 maximum.
        check("cus_2", "pro_eur", "eu_api", quantity: "171", exact: "0.5985", amount: "0.60")
        // 7. cus_4 (America/New_York, anchor_day 15): period 2026-10-15 to 2026-11-15, 31 days.
        //    starter ends 2026-11-01, so it is active Oct 15–31 = 17 days: the prorated 49.00 fee
        //    is 49 × 17/31 = 833/31 = 26.870967… → 26.87.
        check(
            "cus_4", "starter", "platform_fee", quantity: "1", exact: "833/31", amount: "26.87")
        // 8. cus_4 / pro / support, weekdays [mon, thu], pro from Nov 1 (a Sunday) to the period
        //    end Nov 15 (exclusive): Nov 2, 5, 9, 12 → 4 × 2.50 = 10.00.
        check("cus_4", "pro", "support", quantity: "4", exact: "10", amount: "10.00")
        // 9. cus_3 / tokyo / office_hours, cron "0 9 * * 1-5" in Asia/Tokyo: October 2026 starts
        //    on a Thursday: Oct 1, 2 and four full weeks (5–9, 12–16, 19–23, 26–30) = 22 × 300.
        check("cus_3", "tokyo", "office_hours", quantity: "22", exact: "6600", amount: "6600")
        // 10. cus_6 has no usage: starter lines api 0, platform_fee 49.00, seats 0 raised to its
        //     minimum 20.00, storage 0: 69.00, below the 100.00 commitment → true-up 31.00.
        check(
            "cus_6", "starter", "minimum_true_up", quantity: "1", exact: "31", amount: "31.00")
        check("cus_6", "starter", "seats", quantity: "0", exact: "20", amount: "20.00")

        // SPEC §13 on cus_8's platform plan (events/platform.ndjson, resolutions.ndjson,
        // gauges-2026-09.ndjson).
        // 11. payments, 2.9% + 0.30 per payment, each fee within [0.50, 25.00]. Billed payments
        //     10.00, 5.00, 1000.00, 249.99, 120.50 and pay-6's 75.00 (the copy the resolution
        //     keeps; the 57.00 copy is superseded, pay-1's second copy a duplicate, pay-7 is in
        //     November): fees 0.59, 0.445 → 0.50, 29.30 → 25.00, 7.54971, 3.7945, 2.475; sum
        //     39.90921 → 39.91. Rows: 1460.49 × 0.029 = 42.35421, 6 × 0.30 = 1.80, +0.055 for
        //     the one fee raised, −4.30 for the one capped: 42.35421 + 1.8 + 0.055 − 4.3.
        check(
            "cus_8", "platform", "payments", quantity: "1460.49", exact: "39.90921",
            amount: "39.91")
        // 12. llm, dynamic with markup 1.2: llm-1 0.0123456, llm-2 1.25, llm-4 0.5 (llm-3's
        //     3.00 is dropped by the resolution, llm-5's −0.10 rejected as negative_amount):
        //     1.7623456 × 1.2 = 2.11481472 → 2.11; the quantity is the 3 requests counted.
        check("cus_8", "platform", "llm", quantity: "3", exact: "2.11481472", amount: "2.11")
        // 13. storage, the storage_gb gauge per hour (UTC): 100 GB opening (September's
        //     closing level) Oct 1 → Oct 10 00:00 = 216 h → 21,600; 400 GB → Oct 20 12:00 =
        //     252 h → 100,800; 250 GB (st-2's 2500 replaced by the resolution) → Oct 25 06:20 =
        //     114⅓ h → 28,583⅓; 300 GB → Nov 1 = 161⅔ h → 48,500. 216 + 252 + 114⅓ + 161⅔ =
        //     744 h, the month; 199,483⅓ GB-hours = 598450/3. Graduated: the first 50,000 for
        //     the 10.00 flat price, the other 149,483⅓ in ceil(14.948…) = 15 blocks of 10,000 at
        //     1.50 = 22.50: 32.50.
        check(
            "cus_8", "platform", "storage", quantity: "598450/3", exact: "32.5",
            amount: "32.50")
        // 14. The gauge closes at st-3's level, which the next period opens with.
        XCTAssertEqual(
            try String(contentsOf: output.appendingPathComponent("gauges.ndjson"), encoding: .utf8),
            #"{"customer":"cus_8","meter":"storage_gb","group":{},"level":"300","#
                + #""since":"2026-10-25T06:20:00Z"}"# + "\n")

        // Usage aggregates behind the amounts above (before divide_by / free_quantity).
        func usageQuantity(
            _ customer: String, _ charge: String, _ group: [String: String] = [:]
        )
            -> String?
        {
            usage.first {
                $0["customer"] as? String == customer && $0["charge"] as? String == charge
                    && ($0["group"] as? [String: String]) == group
            }?["quantity"] as? String
        }
        XCTAssertEqual(usageQuantity("cus_1", "storage"), "4874.759569")
        XCTAssertEqual(usageQuantity("cus_1", "tokens", ["model": "m-large"]), "914036")
        let cus4Api = usage.filter {
            $0["customer"] as? String == "cus_4" && $0["charge"] as? String == "api"
        }.map { "\($0["plan"] ?? "")=\($0["quantity"] ?? "")" }
        // 93 calls from Oct 15 00:00 EDT to Nov 1 (starter); none of the inputs reach the pro
        // days (they are out of period), yet pro's unpriced-usage line is there with 0.
        XCTAssertEqual(cus4Api, ["pro=0", "starter=93"])
    }

    /// The manifest's counts add up (SPEC §8.1), agree with rejects.ndjson, and its output
    /// digests are the SHA-256 of the files next to it.
    func testSampleManifestAddsUp() throws {
        let output = try rateSamples()
        let manifest = try readObject(output.appendingPathComponent("manifest.json"))
        guard let counts = manifest["counts"] as? [String: Any],
            let rejected = counts["rejected"] as? [String: Int],
            let lines = counts["lines"] as? Int, let blank = counts["blank"] as? Int,
            let accepted = counts["accepted"] as? Int,
            let duplicates = counts["duplicates"] as? Int,
            let superseded = counts["superseded"] as? Int,
            let outOfPeriod = counts["out_of_period"] as? Int,
            let billed = counts["billed"] as? Int
        else {
            return XCTFail("manifest counts missing: \(manifest)")
        }
        let rejectedTotal = rejected.values.reduce(0, +)
        // 2000 lines in 2026-10-a.ndjson.zst + 1000 in 2026-10-b.ndjson.gz + 14 in late.ndjson
        // + 17 in platform.ndjson.
        XCTAssertEqual(lines, 3031)
        // resolutions.ndjson: keep pay-6's first copy (the second is superseded) and drop
        // llm-3's one copy; the st-2 replacement supersedes nothing (one copy, accepted).
        XCTAssertEqual(superseded, 2)
        // pay-1's second, identical copy is one of the duplicates.
        XCTAssertEqual(duplicates, 38)
        XCTAssertEqual(lines, blank + accepted + duplicates + superseded + rejectedTotal)
        XCTAssertEqual(accepted, billed + outOfPeriod)
        // late.ndjson holds the one blank line and one example of most reasons.
        XCTAssertEqual(blank, 1)
        XCTAssertEqual(rejected["unknown_customer"], 1)
        XCTAssertEqual(rejected["negative_quantity"], 1)
        XCTAssertEqual(rejected["quantity_precision"], 1)
        XCTAssertEqual(rejected["negative_amount"], 1)
        // Two conflicting ids with two copies each: evt_f9732e86627e65ce (both in the .zst) and
        // evt_edf89ccf8358a8bc (the .gz and late.ndjson).
        XCTAssertEqual(rejected["conflict"], 4)
        // 14 of SPEC §2 and the three amount codes of §13.1.
        XCTAssertEqual(rejected.count, 17, "every reason code, zeros included")

        let rejects = try readObjects(output.appendingPathComponent("rejects.ndjson"))
        XCTAssertEqual(rejects.count, rejectedTotal)
        for (reason, count) in rejected {
            XCTAssertEqual(objects(rejects, where: "reason", is: reason).count, count, reason)
        }

        guard let digests = manifest["outputs"] as? [String: String] else {
            return XCTFail("manifest outputs missing")
        }
        let actualDigests = try folderDigests(output).filter {
            $0.key != "manifest.json" && $0.key != "manifest.sha256"
        }
        XCTAssertEqual(digests, actualDigests)
        guard let inputs = manifest["inputs"] as? [[String: Any]] else {
            return XCTFail("manifest inputs missing")
        }
        XCTAssertEqual(
            inputs.compactMap { $0["file"] as? String },
            [
                "events/2026-10-a.ndjson.zst", "events/2026-10-b.ndjson.gz", "events/late.ndjson",
                "events/platform.ndjson",
            ])
        guard let resolutions = manifest["resolutions"] as? [String: Any],
            let applied = resolutions["applied"] as? [[String: Any]],
            let unused = resolutions["unused"] as? [[String: Any]]
        else { return XCTFail("manifest resolutions missing") }
        XCTAssertEqual(
            applied.map { "\($0["id"] ?? "") \($0["action"] ?? "")" },
            ["llm-3 drop", "pay-6 keep", "st-2 replace"])
        XCTAssertEqual(unused.map { $0["id"] as? String }, ["pay-99"])
        let eventDigests = try folderDigests(Executables.samples.appendingPathComponent("events"))
        for input in inputs {
            guard let file = input["file"] as? String else { continue }
            let relative = String(file.dropFirst("events/".count))
            XCTAssertEqual(input["sha256"] as? String, eventDigests[relative], file)
        }
    }
}
