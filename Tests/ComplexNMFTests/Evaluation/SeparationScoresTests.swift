import Foundation
import Testing
@testable import ComplexNMF

extension EvaluationTests {
    @Suite struct SeparationScoresTests {
        let scores = SeparationScores(
            sources: [
                SourceScores(name: "cello", estimate: 1, sdr: 14.5637, sir: 15.75, sar: .infinity, siSDR: 13.89),
                SourceScores(name: "double bass", estimate: 0, sdr: -3.25, sir: nil, sar: 1, siSDR: -.infinity),
            ],
            sampleRate: 22_050, channelCount: 2, sampleCount: 1_000, filterLength: 512)

        @Test func jsonRoundTripKeepsInfinitiesAndUndefinedValues() throws {
            let data = try scores.jsonData()
            let text = String(decoding: data, as: UTF8.self)
            #expect(text.contains("\"sar\" : \"inf\""))
            #expect(text.contains("\"si_sdr\" : \"-inf\""))
            #expect(text.contains("\"sir\" : null"))
            #expect(text.contains("\"sample_rate\" : 22050"))
            #expect(try JSONDecoder().decode(SeparationScores.self, from: data) == scores)
            // A plain encoder works too (no non-conforming float strategy needed).
            _ = try JSONEncoder().encode(scores)
        }

        @Test func writeCreatesTheFileAtomically() throws {
            let directory = TestPaths.temporaryDirectory()
            try scores.write(to: "\(directory)/scores.json")
            #expect(TestPaths.contents(of: directory) == ["scores.json"])
            let back = try JSONDecoder().decode(SeparationScores.self, from: Data(contentsOf: URL(fileURLWithPath: "\(directory)/scores.json")))
            #expect(back == scores)
            #expect(back.permutation == [1, 0])
        }

        @Test func tableIsAligned() {
            let table = EvaluationTable.format(scores)
            let lines = table.split(separator: "\n").map(String.init)
            #expect(lines.count == 4)
            #expect(lines[0].hasPrefix("source "))
            #expect(lines[1].hasPrefix("cello "))
            #expect(lines[3].hasPrefix("mean "))
            #expect(lines[1].contains("14.56") && lines[1].contains("inf"))
            #expect(lines[2].contains("n/a") && lines[2].contains("-inf"))
            // Numbers are right-aligned: every row ends its SI-SDR column at the header's end.
            #expect(Set(lines.map(\.count)).count == 1, "\n\(table)")
            // Mean row: SDR (14.5637 − 3.25)/2 = 5.66, SIR only defined once = 15.75.
            #expect(lines[3].contains("5.66") && lines[3].contains("15.75"))
        }
    }
}
