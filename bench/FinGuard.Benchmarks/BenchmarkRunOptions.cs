using System.Globalization;

namespace FinGuard.Benchmarks;

/// <summary>
/// The command line: <c>[ingestion|e2e|evaluation|parsing|merkle|all] [--quick] [--rate N] [--duration S] [--concurrency N] [--store DIR] [--allocations]</c>.
/// </summary>
public sealed record BenchmarkRunOptions
{
    public static readonly string[] Suites = ["ingestion", "e2e", "evaluation", "parsing", "merkle"];

    /// <summary>Not part of <c>all</c>: it publishes FinGuard twice before it measures (a few minutes more).</summary>
    public const string ColdStart = "coldstart";

    /// <summary>The suites to run, in order.</summary>
    public required IReadOnlyList<string> Selected { get; init; }

    /// <summary>Short bounded versions (seconds), for a smoke check.</summary>
    public bool Quick { get; init; }

    /// <summary>Open-loop rate, deliveries per second.</summary>
    public double Rate { get; init; } = 500;

    /// <summary>Closed-loop clients.</summary>
    public int Concurrency { get; init; } = 32;

    /// <summary>Length of each measured load phase; null: 3 s with --quick, 20 s without.</summary>
    public TimeSpan? Duration { get; init; }

    public TimeSpan PhaseDuration => Duration ?? TimeSpan.FromSeconds(Quick ? 3 : 20);

    public TimeSpan WarmUp => TimeSpan.FromSeconds(Quick ? 1 : 3);

    /// <summary>
    /// End to end: how long each pipeline first runs at the measured rate, unmeasured. Long enough for the JIT's tiered
    /// recompilation of the hot code to finish (about 15 s of one core on this 2-core machine, 2026-12-03), which a
    /// short closed-loop warm-up left to the measured phase.
    /// </summary>
    public TimeSpan EndToEndWarmUp => TimeSpan.FromSeconds(Quick ? 2 : 10);

    /// <summary>
    /// Folder the benchmarks create FinGuard's local stores in (each run its own subfolder, deleted afterwards). By
    /// default <c>artifacts/bench/stores</c> under the working directory, as <c>finguard serve</c> keeps its store
    /// under its working directory (<c>./.finguard</c>), rather than the system temporary folder: on ext4 without a
    /// journal, a folder whose inode group has seen many deletions (as /tmp does on a machine that runs test suites)
    /// pays for every file creation with a scan of recently deleted inodes (bench/README.md).
    /// </summary>
    public string StoreParent { get; init; } = DefaultStoreParent;

    /// <summary>Print the types allocated while FinGuard is measured (sampled by the runtime; see <see cref="Reporting.AllocationSampler"/>).</summary>
    public bool Allocations { get; init; }

    /// <summary>coldstart: a git commit to publish and alternate with the current source, instead of JIT vs ReadyToRun.</summary>
    public string? Baseline { get; init; }

    /// <summary>coldstart with <see cref="Baseline"/>: a git commit to compare with it instead of the current source.</summary>
    public string? Candidate { get; init; }

    public static string DefaultStoreParent => Path.Combine(Environment.CurrentDirectory, "artifacts", "bench", "stores");

    public const string Usage =
        "usage: dotnet run -c Release --project bench/FinGuard.Benchmarks -- [ingestion|e2e|evaluation|parsing|merkle|all|coldstart] [--quick]\n" +
        "       [--rate N (open-loop deliveries/s, default 500)] [--concurrency N (closed-loop clients, default 32)]\n" +
        "       [--duration S (seconds per load phase; default 20, or 3 with --quick)]\n" +
        "       [--store DIR (folder for FinGuard's local stores; default artifacts/bench/stores)] [--allocations]\n" +
        "       [--baseline COMMIT (coldstart: A/B of COMMIT against the current source, both ReadyToRun)] [--candidate COMMIT (instead of the current source)]";

    public static BenchmarkRunOptions? Parse(string[] args, out string? error)
    {
        ArgumentNullException.ThrowIfNull(args);
        error = null;
        var selected = new List<string>();
        var quick = false;
        double rate = 500;
        var concurrency = 32;
        TimeSpan? duration = null;
        var store = DefaultStoreParent;
        var allocations = false;
        string? baseline = null;
        string? candidate = null;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "--quick":
                    quick = true;
                    break;
                case "--rate" when i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && r is > 0 and <= 20_000:
                    rate = r;
                    i++;
                    break;
                case "--concurrency" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c is > 0 and <= 1024:
                    concurrency = c;
                    i++;
                    break;
                case "--duration" when i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s is > 0 and <= 600:
                    duration = TimeSpan.FromSeconds(s);
                    i++;
                    break;
                case "--store" when i + 1 < args.Length && args[i + 1].Length > 0:
                    store = Path.GetFullPath(args[i + 1]);
                    i++;
                    break;
                case "--baseline" when i + 1 < args.Length && args[i + 1].Length > 0 && !args[i + 1].StartsWith('-'):
                    baseline = args[i + 1];
                    i++;
                    break;
                case "--candidate" when i + 1 < args.Length && args[i + 1].Length > 0 && !args[i + 1].StartsWith('-'):
                    candidate = args[i + 1];
                    i++;
                    break;
                case "--allocations":
                    allocations = true;
                    break;
                case "all":
                    selected.AddRange(Suites);
                    break;
                default:
                    if (Suites.Contains(arg, StringComparer.Ordinal) || arg == ColdStart)
                    {
                        selected.Add(arg);
                        break;
                    }

                    error = $"unknown or invalid argument '{arg}'";
                    return null;
            }
        }

        if (selected.Count == 0)
        {
            error = "name a benchmark: ingestion, e2e, evaluation, parsing, merkle, all, or coldstart";
            return null;
        }

        return new BenchmarkRunOptions
        {
            Selected = [.. selected.Distinct(StringComparer.Ordinal)],
            Quick = quick,
            Rate = rate,
            Concurrency = concurrency,
            Duration = duration,
            StoreParent = store,
            Allocations = allocations,
            Baseline = baseline,
            Candidate = candidate,
        };
    }
}
