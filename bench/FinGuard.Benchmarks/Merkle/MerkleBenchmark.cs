using System.Diagnostics;
using System.Security.Cryptography;
using FinGuard.Core.Evidence.Merkle;

namespace FinGuard.Benchmarks.Merkle;

/// <summary>
/// The cost of signed tree heads over a chain of 1,000,000 records: building the tree (against the baseline of plain
/// SHA-256 over the same bytes, which the hash chain already pays), a tree head (root) and an inclusion and a
/// consistency proof at 10,000 and at 1,000,000 records, with the ratio between the two sizes (logarithmic growth
/// means a ratio near log2(1e6)/log2(1e4) = 1.5, linear growth 100), and the tree's memory.
/// </summary>
internal static class MerkleBenchmark
{
    private const int RecordBytes = 2048;

    public static void Run(BenchmarkRunOptions options)
    {
        var large = options.Quick ? 100_000 : 1_000_000;
        const int Small = 10_000;
        Console.WriteLine($"## Merkle tree heads and proofs ({large:N0} records of {RecordBytes:N0} bytes)");
        Console.WriteLine();

        var record = new byte[RecordBytes];
        RandomNumberGenerator.Fill(record);

        // Baseline: SHA-256 of every record, what the hash chain computes anyway.
        var clock = Stopwatch.StartNew();
        Span<byte> digest = stackalloc byte[32];
        for (var i = 0; i < large; i++)
        {
            BitConverter.TryWriteBytes(record, i);
            SHA256.HashData(record, digest);
        }

        var baseline = clock.Elapsed;

        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        clock.Restart();
        var tree = new MerkleTree();
        var small = new MerkleTree();
        for (var i = 0; i < large; i++)
        {
            BitConverter.TryWriteBytes(record, i);
            tree.AppendRecord(record);
            if (i < Small)
            {
                small.AppendRecord(record);
            }
        }

        var build = clock.Elapsed;
        var retained = GC.GetTotalMemory(forceFullCollection: true) - before;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        Console.WriteLine("| Measure | Time | Note |");
        Console.WriteLine("|---|---|---|");
        Console.WriteLine($"| SHA-256 of every record (baseline) | {baseline.TotalMilliseconds:N0} ms | {baseline.TotalMilliseconds * 1000 / large:N2} µs per record |");
        Console.WriteLine($"| Build the tree (leaf + nodes), both sizes | {build.TotalMilliseconds:N0} ms | {build.TotalMilliseconds * 1000 / large:N2} µs per record; {retained / (1024.0 * 1024):N1} MiB retained, {allocated / (1024.0 * 1024):N1} MiB allocated |");

        var random = new Random(42);
        var rounds = options.Quick ? 2_000 : 20_000;
        var rootSmall = Measure(rounds, () => small.Root());
        var rootLarge = Measure(rounds, () => tree.Root());
        var proofSmall = Measure(rounds, () => small.InclusionProof(random.NextInt64(Small), Small));
        var proofLarge = Measure(rounds, () => tree.InclusionProof(random.NextInt64(large), large));
        var consistencySmall = Measure(rounds, () => small.ConsistencyProof(random.NextInt64(1, Small), Small));
        var consistencyLarge = Measure(rounds, () => tree.ConsistencyProof(random.NextInt64(1, large), large));
        var index = large / 3;
        var path = tree.InclusionProof(index, large);
        var root = tree.Root();
        var leaf = tree.LeafHash(index);
        var verify = Measure(rounds, () => MerkleProof.VerifyInclusion(index, large, leaf, path, root));

        Row("Tree head (root)", rootSmall, rootLarge, large);
        Row("Inclusion proof", proofSmall, proofLarge, large);
        Row("Consistency proof", consistencySmall, consistencyLarge, large);
        Console.WriteLine($"| Verify one inclusion proof at {large:N0} ({path.Count} hashes) | {verify:N2} µs | |");
        Console.WriteLine();
    }

    private static void Row(string what, double small, double large, int size) =>
        Console.WriteLine($"| {what}: 10,000 vs {size:N0} records | {small:N2} µs vs {large:N2} µs | ratio {large / small:N2} |");

    /// <summary>Mean microseconds per call over <paramref name="rounds"/> calls, after a warm-up.</summary>
    private static double Measure<T>(int rounds, Func<T> work)
    {
        for (var i = 0; i < 100; i++)
        {
            GC.KeepAlive(work());
        }

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < rounds; i++)
        {
            GC.KeepAlive(work());
        }

        return clock.Elapsed.TotalMicroseconds / rounds;
    }
}
