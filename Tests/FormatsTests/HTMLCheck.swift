import Foundation
import XCTest

/// What is wrong with an HTML page's structure, one problem a line ("" when nothing): Python's
/// HTML parser must see every element that is not a void element (`meta`, `br`…) closed, in
/// order, and exactly one `<html>` holding everything. (libxml2's HTML parser knows only
/// HTML 4, so it cannot judge these HTML 5 pages.)
func htmlProblems(_ bytes: [UInt8]) throws -> String {
    let folder = NSTemporaryDirectory() + "ratebook-html-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/page.html"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let script = """
        import html.parser, sys
        VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                "source", "track", "wbr"}
        class Check(html.parser.HTMLParser):
            def __init__(self):
                super().__init__()
                self.open, self.problems, self.roots = [], [], 0
            def handle_starttag(self, tag, attributes):
                if not self.open and tag != "html":
                    self.problems.append(f"<{tag}> outside <html>")
                if tag == "html":
                    self.roots += 1
                if tag not in VOID:
                    self.open.append(tag)
            def handle_endtag(self, tag):
                if not self.open or self.open[-1] != tag:
                    self.problems.append(f"</{tag}> closes {self.open[-1:]}")
                else:
                    self.open.pop()
        check = Check()
        check.feed(open(sys.argv[1], encoding="utf-8").read())
        check.close()
        problems = check.problems + [f"<{tag}> never closed" for tag in check.open]
        if check.roots != 1:
            problems.append(f"{check.roots} <html> elements")
        print("\\n".join(problems))
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, path]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let report = String(
        decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return "python3 failed: " + report }
    return String(report.dropLast())
}
