import Foundation
import Pricing
import XCTest

@testable import Formats

/// The manifest codec: `Manifest.decode` reads back exactly what `bytes()` writes.
final class ManifestCodecTests: XCTestCase {
    /// The golden manifests of the samples, as committed.
    static let samples = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("samples/expected")

    func testGoldenManifestsRoundTrip() throws {
        for stage in ["rate", "invoice"] {
            let bytes = [UInt8](
                try Data(
                    contentsOf: Self.samples.appendingPathComponent("\(stage)/manifest.json")))
            let manifest = try Manifest.decode(bytes)
            XCTAssertEqual(manifest.stage, stage)
            XCTAssertEqual(manifest.tool, FormatsVersion.tool)
            XCTAssertEqual(manifest.bytes(), bytes, "\(stage): decode then encode is identity")
        }
        let rate = try Manifest.decode(
            [UInt8](try Data(contentsOf: Self.samples.appendingPathComponent("rate/manifest.json")))
        )
        XCTAssertEqual(rate.counts?.lines, 3031)
        XCTAssertEqual(rate.counts?.rejected[.noSubscription], 334)
        XCTAssertEqual(rate.inputs.map(\.displayName).first, "events/2026-10-a.ndjson.zst")
        XCTAssertNil(rate.buildsOn)
        let invoice = try Manifest.decode(
            [UInt8](
                try Data(contentsOf: Self.samples.appendingPathComponent("invoice/manifest.json"))))
        XCTAssertEqual(
            invoice.buildsOn,
            ManifestLink(
                stage: "rate",
                manifestSHA256: "ea0d2aebe94461e1a1e94d8be3bc243e956975fcfc627a4c1a7c7f551abf8b9a"))
        XCTAssertEqual(
            invoice.configuration.map { $0.0 },
            ["catalog", "customers", "rated", "wallets", "grants"])
        XCTAssertEqual(invoice.totals.first?.1, "7")
        // `--ubl auto`: cus_6, the one customer without an address, has no e-invoice (issue 13).
        XCTAssertEqual(
            invoice.eInvoicesMissing,
            [
                EInvoiceGap(
                    customer: "cus_6", document: "2026-10-000006",
                    fields: ["customers.cus_6.address: missing"])
            ])
    }

    /// Every optional part present: a link, archive members, skipped members, null options.
    func testEveryFieldRoundTrips() throws {
        var counts = LineCounts()
        counts.lines = 13
        counts.blank = 1
        counts.accepted = 6
        counts.duplicates = 1
        counts.superseded = 3
        counts.outOfPeriod = 2
        counts.rejected[.conflict] = 2
        let digest = String(repeating: "ab", count: 32)
        let manifest = Manifest(
            tool: "ratebook 9.9.9", stage: "rate", options: [("period", "2026-10"), ("x", nil)],
            buildsOn: ManifestLink(stage: "rate", manifestSHA256: digest),
            configuration: [
                ("catalog", FileRecord(name: "c \"q\".yaml", size: 12, sha256: digest))
            ],
            inputs: [
                InputSummary(
                    displayName: "a.tar", sizeBytes: 1 << 40, sha256: digest,
                    members: ["a.tar!x.ndjson", "a.tar!y.ndjson"], skippedMembers: ["a.tar!l"])
            ],
            skipped: ["b.txt"], counts: counts, outputs: [("z", digest), ("a/b", digest)],
            totals: [("invoices", "0")],
            resolutions: ManifestResolutions(
                file: FileRecord(name: "resolutions.ndjson", size: 99, sha256: digest),
                applied: [
                    .init(
                        customer: "c2", id: "e", action: "drop", reason: nil,
                        superseded: [.init(file: "a.tar", member: "x.ndjson", line: 4)]),
                    .init(
                        customer: "c1", id: "e", action: "keep", reason: "why \"so\"",
                        superseded: [
                            .init(file: "a.ndjson", member: nil, line: 1),
                            .init(file: "b.ndjson", member: nil, line: 2),
                        ]),
                ],
                unused: [
                    .init(customer: "c3", id: "z", action: "replace", reason: nil, superseded: [])
                ]))
        let bytes = manifest.bytes()
        let decoded = try Manifest.decode(bytes)
        XCTAssertEqual(decoded.bytes(), bytes)
        XCTAssertEqual(decoded.counts?.superseded, 3)
        XCTAssertEqual(decoded.resolutions, manifest.resolutions)
        XCTAssertEqual(decoded.resolutions?.applied.map(\.customer), ["c1", "c2"], "sorted")
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(
            text.contains(
                """
                    "duplicates": 1,
                    "superseded": 3,
                    "out_of_period": 2,
                """), text)
        XCTAssertTrue(
            text.contains(
                """
                        "superseded": [
                          {
                            "file": "a.tar",
                            "member": "x.ndjson",
                            "line": 4
                          }
                        ]
                """), text)
        XCTAssertEqual(decoded.counts, counts.withZeroReasons)
        XCTAssertEqual(decoded.inputs.first?.skippedMembers, ["a.tar!l"])
        XCTAssertEqual(decoded.inputs.first?.sizeBytes, 1 << 40)
        XCTAssertEqual(decoded.options.map { $0.1 }, ["2026-10", nil])
        XCTAssertEqual(decoded.outputs.map { $0.0 }, ["a/b", "z"], "written sorted")
    }

    func testRefusalsNameTheField() {
        let good = Manifest(
            stage: "rate", options: [], configuration: [], inputs: [], skipped: [],
            counts: LineCounts(), outputs: [("usage.ndjson", String(repeating: "0", count: 64))]
        ).bytes()
        let text = String(decoding: good, as: UTF8.self)
        func refusal(_ edited: String) -> String {
            do {
                _ = try Manifest.decode(Array(edited.utf8))
                return "decoded"
            } catch {
                return error.description
            }
        }
        XCTAssertEqual(
            refusal(text.replacingOccurrences(of: "\"billed\": 0", with: "\"billed\": 1")),
            "counts.billed: 1 is not accepted − out_of_period (0): the counts do not add up")
        XCTAssertEqual(
            refusal(text.replacingOccurrences(of: "\"conflict\"", with: "\"conflicts\"")),
            "counts.rejected.conflicts: not a reject reason")
        XCTAssertEqual(
            refusal(text.replacingOccurrences(of: "\"0000", with: "\"000")),
            "outputs.usage.ndjson: missing or not a SHA-256 (64 lowercase hex digits)")
        XCTAssertEqual(
            refusal(text.replacingOccurrences(of: "\"lines\": 0", with: "\"lines\": -1")),
            "counts.lines: missing or not a whole number from 0")
        XCTAssertEqual(
            refusal(text.replacingOccurrences(of: "\"lines\": 0", with: "\"lines\": 0.0")),
            "counts.lines: missing or not a whole number from 0")
        XCTAssertEqual(
            refusal(text.replacingOccurrences(of: "  \"skipped\": [],\n", with: "")),
            "skipped: missing")
        XCTAssertEqual(
            refusal(text.replacingOccurrences(of: "\"stage\": \"rate\"", with: "\"stage\": 1")),
            "stage: missing or not a string")
        XCTAssertEqual(
            refusal(text.replacingOccurrences(of: "    \"superseded\": 0,\n", with: "")),
            "counts.superseded: missing or not a whole number from 0")
        XCTAssertEqual(refusal("[]"), "not a JSON object")
        XCTAssertTrue(refusal(String(text.dropLast(3))).hasPrefix("not JSON ("))
    }

    func testSealHoldsTheManifestDigest() {
        let digest = String(repeating: "0f", count: 32)
        let seal = ManifestSeal.bytes(digest: digest)
        XCTAssertEqual(String(decoding: seal, as: UTF8.self), "\(digest)  manifest.json\n")
        XCTAssertEqual(ManifestSeal.digest(in: seal), digest)
        XCTAssertNil(ManifestSeal.digest(in: Array(seal.dropLast())), "no line end")
        XCTAssertNil(
            ManifestSeal.digest(in: Array("\(digest.uppercased())  manifest.json\n".utf8)))
        XCTAssertNil(ManifestSeal.digest(in: Array("\(digest) manifest.json\n".utf8)))
    }
}

extension LineCounts {
    /// These counts with every reject reason present (zeros included), as a decoded manifest
    /// holds them.
    fileprivate var withZeroReasons: LineCounts {
        var copy = self
        for reason in RejectReason.allCases where copy.rejected[reason] == nil {
            copy.rejected[reason] = 0
        }
        return copy
    }
}
