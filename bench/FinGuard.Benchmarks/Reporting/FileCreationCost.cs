using System.Diagnostics;

namespace FinGuard.Benchmarks.Reporting;

/// <summary>
/// How long creating one empty file takes in a folder: the local store creates three files per delivery, and on some
/// file systems that cost depends on the folder's history rather than on FinGuard (bench/README.md), so each run
/// prints it for the store's folder and for the system temporary folder.
/// </summary>
public static class FileCreationCost
{
    /// <summary>Above this, the folder is in the state bench/README.md describes, and the run says so.</summary>
    public const double SlowMicroseconds = 200;

    private const int Files = 200;

    public static string Describe(string parent) => Describe(parent, out _);

    /// <summary>As <see cref="Describe(string)"/>, also giving the measured microseconds per file.</summary>
    public static string Describe(string parent, out double microseconds)
    {
        ArgumentNullException.ThrowIfNull(parent);
        var folder = Directory.CreateDirectory(Path.Combine(parent, $"finguard-bench-probe-{Guid.NewGuid():N}")).FullName;
        try
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < Files; i++)
            {
                using var file = new FileStream(Path.Combine(folder, $"{i}.probe"), FileMode.CreateNew, FileAccess.Write);
            }

            microseconds = clock.Elapsed.TotalMicroseconds / Files;
            return $"{microseconds:0} µs per file created in {parent}";
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
