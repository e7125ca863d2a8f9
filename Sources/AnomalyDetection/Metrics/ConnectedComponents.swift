/// The 8-connected components (ground-truth regions) of one mask, as used by the PRO metric.
///
/// Two anomalous pixels belong to the same region when they touch by an edge or a corner: the 3×3 structuring
/// element of `scipy.ndimage.label(mask, structure=np.ones((3, 3)))` in the MVTec evaluation code
/// (Bergmann et al., "The MVTec Anomaly Detection Dataset", IJCV 2021). Labels run from 1 in the raster order of
/// each region's first pixel (scipy's numbering); 0 is background.
public struct ConnectedComponents: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Row-major labels: 0 for normal pixels, `1...regionCount` for anomalous ones.
    public let labels: [Int32]
    /// Pixel count of region `k` at index `k - 1`.
    public let regionSizes: [Int]

    public var regionCount: Int { regionSizes.count }

    /// Labels `mask` with the classic two-pass algorithm (Rosenfeld & Pfaltz 1966) and a union–find forest.
    ///
    /// Pass 1 gives each anomalous pixel the smallest provisional label among its already visited neighbours
    /// (west, north-west, north, north-east) and merges the others; a pixel without labelled neighbours opens a
    /// new label. Because roots are always the smallest label of their tree, and provisional labels are opened in
    /// raster order, pass 2 meets the regions in the order of their first pixels and numbers them consecutively.
    public init(_ mask: GroundTruthMask) {
        width = mask.width
        height = mask.height
        var provisional = [Int32](repeating: 0, count: width * height)
        var forest = UnionFind()
        for y in 0..<height {
            for x in 0..<width where mask.isAnomalous[y * width + x] {
                let index = y * width + x
                var label: Int32 = 0
                func join(_ neighbour: Int32) {
                    guard neighbour != 0 else { return }
                    label = label == 0 ? forest.find(neighbour) : forest.union(label, neighbour)
                }
                if x > 0 { join(provisional[index - 1]) }
                if y > 0 {
                    if x > 0 { join(provisional[index - width - 1]) }
                    join(provisional[index - width])
                    if x + 1 < width { join(provisional[index - width + 1]) }
                }
                provisional[index] = label == 0 ? forest.makeSet() : label
            }
        }
        var finalLabel = [Int32](repeating: 0, count: forest.count + 1)
        var sizes: [Int] = []
        for index in provisional.indices where provisional[index] != 0 {
            let root = Int(forest.find(provisional[index]))
            if finalLabel[root] == 0 {
                sizes.append(0)
                finalLabel[root] = Int32(sizes.count)
            }
            provisional[index] = finalLabel[root]
            sizes[Int(finalLabel[root]) - 1] += 1
        }
        labels = provisional
        regionSizes = sizes
    }
}

/// Disjoint sets of provisional labels `1...count`; the root of a set is its smallest label.
private struct UnionFind {
    /// `parent[label]`; index 0 is unused so that labels index directly.
    private var parent: [Int32] = [0]

    var count: Int { parent.count - 1 }

    mutating func makeSet() -> Int32 {
        let label = Int32(parent.count)
        parent.append(label)
        return label
    }

    /// The root of `label`, halving the path on the way.
    mutating func find(_ label: Int32) -> Int32 {
        var node = label
        while parent[Int(node)] != node {
            parent[Int(node)] = parent[Int(parent[Int(node)])]
            node = parent[Int(node)]
        }
        return node
    }

    /// Merges the sets of `a` and `b`; returns the new root (the smaller of the two roots).
    mutating func union(_ a: Int32, _ b: Int32) -> Int32 {
        let rootA = find(a), rootB = find(b)
        let root = min(rootA, rootB)
        parent[Int(max(rootA, rootB))] = root
        return root
    }
}
