using System.Diagnostics;
using System.Globalization;

namespace FinGuard.Benchmarks.Reporting;

/// <summary>
/// How long the disk under a folder takes to make one delivery durable: write a 25 KiB file and fsync it, one after
/// another. The local store fsyncs every delivery before its 202, so this bounds its ingestion latency and, closed
/// loop, its throughput; printing it makes a run's figures readable on any machine.
/// </summary>
public static class FsyncLatency
{
    private const int Samples = 200;
    private const int Bytes = 25 * 1024;

    public static string Describe(string parent)
    {
        ArgumentNullException.ThrowIfNull(parent);
        var folder = Directory.CreateDirectory(Path.Combine(parent, $"finguard-bench-fsync-{Guid.NewGuid():N}")).FullName;
        var content = new byte[Bytes];
        Random.Shared.NextBytes(content);
        var samples = new double[Samples];
        try
        {
            for (var i = 0; i < Samples; i++)
            {
                var clock = Stopwatch.StartNew();
                using (var handle = File.OpenHandle(Path.Combine(folder, $"{i}.probe"), FileMode.CreateNew, FileAccess.Write))
                {
                    RandomAccess.Write(handle, content, fileOffset: 0);
                    RandomAccess.FlushToDisk(handle);
                }

                samples[i] = clock.Elapsed.TotalMilliseconds;
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        Array.Sort(samples);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"write + fsync of a 25 KiB file in {parent}: p50 {samples[Samples / 2]:0.00} ms, p99 {samples[Samples * 99 / 100]:0.00} ms, max {samples[^1]:0.00} ms ({Samples}, one after another)");
    }
}
