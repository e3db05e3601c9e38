using System.Diagnostics;
using System.Security.Cryptography;
using FinGuard.Benchmarks.Load;
using FinGuard.Benchmarks.Reporting;

namespace FinGuard.Benchmarks.EndToEnd;

/// <summary>
/// Delivery received → check run published, under open-loop load: each delivery is a signed 25 KiB
/// <c>pull_request.synchronize</c> for a distinct pull request and head SHA, which the loopback fake GitHub serves.
/// Latency runs from the moment the delivery was due to be sent to the moment the fake received the check run
/// for that head SHA. The real FinGuard app (local-folder store, worker on, App credentials, API base URL → the fake)
/// is compared with <see cref="BareRelay"/>, which makes the same REST calls without storage or evaluation.
/// </summary>
public static class EndToEndBenchmark
{
    public const double P50TargetMs = 1_000;
    public const double P99TargetMs = 3_000;
    private const int Repositories = 64;
    private const int MaxInFlight = 5_000;

    public static async Task RunAsync(BenchmarkRunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Console.WriteLine("## End to end: delivery received → check run published");
        Console.WriteLine();

        var measured = (int)(options.Rate * options.PhaseDuration.TotalSeconds);
        var warmUp = (int)(options.Rate * options.EndToEndWarmUp.TotalSeconds);
        var drainTimeout = TimeSpan.FromSeconds(options.Quick ? 30 : 120);
        var clock = Stopwatch.StartNew();
        var corpus = BenchPullRequest.Create(warmUp + measured, Repositories, FinGuardServer.WebhookSecret);
        Console.WriteLine($"{corpus.Count:N0} pull requests over {Repositories} repositories prepared in {clock.Elapsed.TotalSeconds:0.0} s " +
            $"({warmUp:N0} warm-up at {options.Rate:0}/s for {options.EndToEndWarmUp.TotalSeconds:0.#} s, {measured:N0} measured at {options.Rate:0}/s for {options.PhaseDuration.TotalSeconds:0.#} s; " +
            $"each: 2 verified commits, 2 independent approvals, {corpus[0].Delivery.Body.Length:N0}-byte delivery); " +
            $"waiting at most {drainTimeout.TotalSeconds:0} s after the last send for check runs");
        Console.WriteLine();

        E2EResult baseline;
        await using (var github = await LoadGitHub.StartAsync(corpus))
        await using (var relay = await BareRelay.StartAsync(github.BaseAddress))
        {
            baseline = await RunPipelineAsync("bare relay (baseline)", relay.BaseAddress, github, corpus, warmUp, options, drainTimeout);
        }

        E2EResult finGuard;
        await using (var github = await LoadGitHub.StartAsync(corpus))
        {
            using var key = RSA.Create(2048);
            var settings = new Dictionary<string, string>
            {
                ["GitHub:AppId"] = "123456",
                ["GitHub:PrivateKey"] = key.ExportRSAPrivateKeyPem(),
                ["GitHub:ApiBaseUrl"] = github.BaseAddress.ToString(),
            };
            await using var server = await FinGuardServer.StartAsync(settings, idleWorker: false, options.StoreParent);
            finGuard = await RunPipelineAsync("FinGuard", server.BaseAddress, github, corpus, warmUp, options, drainTimeout);
        }

        Console.WriteLine($"### End to end at {options.Rate:0} deliveries/s for {options.PhaseDuration.TotalSeconds:0.#} s");
        Console.WriteLine();
        var table = new ConsoleTable("", "published", "p50", "p90", "p99", "max", "processed/s", "CPU per delivery", "allocated per delivery", "JIT while measured", "ack p50", "ack p99", "fake GitHub requests", "conclusions (incl. warm-up)");
        foreach (var r in new[] { baseline, finGuard })
        {
            table.Add(r.Name, $"{r.Published:N0}/{r.Measured:N0}", Show(r, 50), Show(r, 90), Show(r, 99), Show(r, 100), $"{r.ProcessedPerSecond:0}", $"{r.CpuMsPerDelivery:0.00} ms", r.Allocated.AllocatedPer(r.Measured),
                $"{r.Jit.Methods:N0} methods, {r.Jit.Time.TotalMilliseconds:N0} ms", ConsoleTable.Milliseconds(r.Ingestion.Latency.Percentile(50)), ConsoleTable.Milliseconds(r.Ingestion.Latency.Percentile(99)),
                r.GitHubRequests, string.Join(", ", r.Conclusions.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}: {c.Value}")));
        }

        table.Write();

        Console.WriteLine("GitHub requests per operation (warm-up included): " + string.Join("; ", new[] { baseline, finGuard }.Select(r =>
            $"{r.Name}: {string.Join(", ", r.RequestsByOperation.Select(o => $"{o.Operation} ×{o.Count:N0}"))}")));
        Console.WriteLine();

        Console.WriteLine("### End to end against targets");
        Console.WriteLine();
        new ConsoleTable("measure", "FinGuard", "baseline (bare relay)", "ratio", "target", "verdict")
            .Add("p50 received → published", Show(finGuard, 50), Show(baseline, 50), ConsoleTable.Ratio(finGuard.Percentile(50) / baseline.Percentile(50)),
                $"< {P50TargetMs / 1000:0} s", ConsoleTable.Verdict(finGuard.Percentile(50) < P50TargetMs))
            .Add("p99 received → published", Show(finGuard, 99), Show(baseline, 99), ConsoleTable.Ratio(finGuard.Percentile(99) / baseline.Percentile(99)),
                $"< {P99TargetMs / 1000:0} s", ConsoleTable.Verdict(finGuard.Percentile(99) < P99TargetMs))
            .Add("check runs published per second", $"{finGuard.ProcessedPerSecond:0}", $"{baseline.ProcessedPerSecond:0}",
                ConsoleTable.Ratio(finGuard.ProcessedPerSecond / baseline.ProcessedPerSecond), $"keeps up with {options.Rate:0}/s",
                ConsoleTable.Verdict(finGuard.ProcessedPerSecond >= options.Rate * 0.98))
            .Add("process CPU per delivery (diagnostic)", $"{finGuard.CpuMsPerDelivery:0.00} ms", $"{baseline.CpuMsPerDelivery:0.00} ms",
                ConsoleTable.Ratio(finGuard.CpuMsPerDelivery / baseline.CpuMsPerDelivery), "—", "—")
            .Add("process allocation per delivery (diagnostic)", finGuard.Allocated.AllocatedPer(finGuard.Measured), baseline.Allocated.AllocatedPer(baseline.Measured),
                ConsoleTable.Ratio((double)finGuard.Allocated.AllocatedBytes / baseline.Allocated.AllocatedBytes), "—", "—")
            .Write();
    }

    private static string Show(E2EResult result, double percentile) => PublishLatencies.Show(result.SortedLatencies, percentile);

    private static async Task<E2EResult> RunPipelineAsync(
        string name, Uri target, LoadGitHub github, IReadOnlyList<BenchPullRequest> corpus, int warmUp, BenchmarkRunOptions options, TimeSpan drainTimeout)
    {
        using var client = WebhookDelivery.NewClient(target, 256);

        // Warm-up: the same open-loop load on pull requests of their own, then wait until their check runs are out,
        // so the measured phase starts on an idle pipeline whose hot code the JIT has already recompiled (tier 1).
        // With a short warm-up (200 deliveries until 2026-12-03) the JIT's background recompilation took up to a
        // third of this 2-core machine during the first 15 s of the measured phase (perf, 2026-12-03).
        await LoadGenerator.OpenLoopAsync(
            $"{name} warm-up", (i, ct) => corpus[i].Delivery.SendAsync(client, Guid.NewGuid().ToString(), ct), options.Rate, options.EndToEndWarmUp, MaxInFlight);
        await WaitForAsync(() => Enumerable.Range(0, warmUp).All(i => github.TryGetPublished(corpus[i].HeadSha, out _)), drainTimeout);

        var measured = corpus.Count - warmUp;
        var due = new long[measured];
        using var sampler = options.Allocations ? new AllocationSampler() : null;
        sampler?.Start();
        var cpuBefore = ProcessCpu();
        var gcBefore = GcActivity.Now();
        var jitBefore = JitActivity.Now();
        var ingestion = await LoadGenerator.OpenLoopAsync(
            name,
            (i, ct) => corpus[warmUp + i].Delivery.SendAsync(client, Guid.NewGuid().ToString(), ct),
            options.Rate,
            options.PhaseDuration,
            MaxInFlight,
            (i, timestamp) => due[i] = timestamp);
        await WaitForAsync(() => Enumerable.Range(warmUp, measured).All(i => github.TryGetPublished(corpus[i].HeadSha, out _)), drainTimeout);
        var cpuPerDelivery = (ProcessCpu() - cpuBefore).TotalMilliseconds / measured;
        var allocated = GcActivity.Now().Since(gcBefore);
        var jit = JitActivity.Now().Since(jitBefore);
        sampler?.Report($"{name}, end to end at {options.Rate:0}/s");

        var latencies = new double[measured];
        long lastPublish = 0;
        var published = 0;
        for (var i = 0; i < measured; i++)
        {
            if (github.TryGetPublished(corpus[warmUp + i].HeadSha, out var at))
            {
                latencies[i] = (at - due[i]) * 1000.0 / Stopwatch.Frequency;
                lastPublish = Math.Max(lastPublish, at);
                published++;
            }
            else
            {
                latencies[i] = double.PositiveInfinity;
            }
        }

        Array.Sort(latencies);
        var span = (lastPublish - due[0]) / (double)Stopwatch.Frequency;
        return new E2EResult(name, measured, published, latencies, published / span, cpuPerDelivery, allocated, jit, ingestion, github.RequestCount, github.RequestsByOperation(), new Dictionary<string, int>(github.Conclusions));
    }

    /// <summary>
    /// CPU time of this whole process (user and system, every thread): the load generator, the fake GitHub and the
    /// server under test. Unlike throughput it does not count time the machine gave to other processes, so on a shared
    /// machine it is the steadier measure of what one delivery costs; the baseline's figure is the part that is not
    /// the server's own.
    /// </summary>
    private static TimeSpan ProcessCpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    private static async Task WaitForAsync(Func<bool> done, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!done() && clock.Elapsed < timeout)
        {
            await Task.Delay(200);
        }
    }

    /// <summary>Methods the JIT compiled (any tier) and the time it spent, process-wide, since process start or between two readings.</summary>
    private readonly record struct JitActivity(long Methods, TimeSpan Time)
    {
        public static JitActivity Now() => new(System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());

        public JitActivity Since(JitActivity before) => new(Methods - before.Methods, Time - before.Time);
    }

    private sealed record E2EResult(
        string Name, int Measured, int Published, double[] SortedLatencies, double ProcessedPerSecond, double CpuMsPerDelivery, GcActivity Allocated, JitActivity Jit, LoadResult Ingestion, int GitHubRequests, IReadOnlyList<(string Operation, int Count)> RequestsByOperation, IReadOnlyDictionary<string, int> Conclusions)
    {
        /// <summary>Nearest-rank percentile in ms over every measured delivery; +∞ when it falls on an unpublished one.</summary>
        public double Percentile(double p) => PublishLatencies.Percentile(SortedLatencies, p);
    }
}
