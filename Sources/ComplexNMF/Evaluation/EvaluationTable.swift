import Foundation

/// Formats `SeparationScores` as an aligned plain-text table, one row per reference source and
/// a final row of means:
///
///     source   estimate  SDR dB  SIR dB  SAR dB  SI-SDR dB
///     cello           1   14.56   15.75   20.90      13.89
///     flute           2    9.75   12.65   13.10       7.73
///     mean                12.16   14.20   17.00      10.81
///
/// Estimates are numbered from 1. Undefined values print as `n/a`, infinities as `inf` / `-inf`.
public enum EvaluationTable {
    /// The table as text (lines end with `\n`), with `decimals` digits after the point.
    public static func format(_ scores: SeparationScores, decimals: Int = 2) -> String {
        let header = ["source", "estimate", "SDR dB", "SIR dB", "SAR dB", "SI-SDR dB"]
        var rows = scores.sources.map { source in
            [source.name, "\(source.estimate + 1)"] + [source.sdr, source.sir, source.sar, source.siSDR].map {
                cell($0, decimals: decimals)
            }
        }
        let mean = scores.mean
        rows.append(["mean", ""] + [mean.sdr, mean.sir, mean.sar, mean.siSDR].map { cell($0, decimals: decimals) })
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max()! }
        var text = ""
        for row in all {
            let cells = row.enumerated().map { column, value in
                let padding = String(repeating: " ", count: widths[column] - value.count)
                return column == 0 ? value + padding : padding + value  // names left, numbers right
            }
            var line = cells.joined(separator: "  ")
            while line.hasSuffix(" ") { line.removeLast() }
            text += line + "\n"
        }
        return text
    }

    /// One value in dB as printed in the table.
    static func cell(_ value: Double?, decimals: Int) -> String {
        guard let value else { return "n/a" }
        if value == .infinity { return "inf" }
        if value == -.infinity { return "-inf" }
        return String(format: "%.\(max(0, decimals))f", value)
    }
}
