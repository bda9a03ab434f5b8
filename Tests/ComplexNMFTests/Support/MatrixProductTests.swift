import Testing
@testable import ComplexNMF

/// `MatrixProduct.multiply` against the product written out here (Double sums, rounded once),
/// for any thread count, with zero entries and a zero column.
@Suite struct MatrixProductTests {
    @Test(arguments: [1, 2, 3, 40])
    func productIsTheDoubleSumRoundedOnce(threads: Int) {
        var generator = SeededRandomGenerator(seed: 5)
        var a = RealMatrix(rows: 33, columns: 7), b = RealMatrix(rows: 7, columns: 19)
        for i in a.values.indices { a.values[i] = Float(generator.nextUnitInterval() - 0.3) }
        for i in b.values.indices where i % 4 != 0 { b.values[i] = Float(generator.nextUnitInterval() * 1e3) }
        for k in 0..<7 { b[k, 5] = 0 }
        var expected = RealMatrix(rows: 33, columns: 19)
        for j in 0..<19 {
            for i in 0..<33 {
                var sum = 0.0
                for k in 0..<7 { sum += Double(a[i, k]) * Double(b[k, j]) }
                expected[i, j] = Float(sum)
            }
        }
        let product = MatrixProduct.multiply(a, b, threadCount: threads)
        #expect(product == expected)
        #expect(product.values[(5 * 33)..<(6 * 33)].allSatisfy { $0 == 0 })
    }
}
