using FinGuard.Benchmarks.Load;
using FinGuard.Benchmarks.Reporting;
using FinGuard.Testing.Scenarios;

namespace FinGuard.Benchmarks.Ingestion;

/// <summary>
/// <c>POST /api/github/webhooks</c> under load: a signed 25 KiB <c>pull_request</c> delivery (GitHub's recorded
/// example, body padded), a fresh <c>X-GitHub-Delivery</c> on every request, sent over loopback to
/// <list type="bullet">
/// <item>the baseline, a bare ASP.NET Core endpoint that reads the body and answers 202, and</item>
/// <item>the real FinGuard app with the local-folder store in a temporary folder: signature check, envelope parse,
/// durable (fsynced) inbox write, 202. The background worker is idle: deliveries are stored but not dispatched, so
/// this measures ingestion alone (processing is measured by the end-to-end benchmark).</item>
/// </list>
/// Closed loop at maximum throughput with N clients, then open loop at a fixed rate for p99. Both servers and the
/// client share this machine's cores.
/// <para>Diagnostic, not a target: where <c>/dev/shm</c> (tmpfs) exists, the same FinGuard with its store there, where
/// fsync costs nothing, separates the durable-write cost from the rest of the ingress path.</para>
/// <para>Diagnostic, not a target: the bare endpoint plus the signature check and one JSON parse of the body, storing
/// nothing — the ceiling of any receiver that verifies and reads what it acknowledges, on this machine — and the bare
/// endpoint plus the signature check alone, the ceiling of any receiver that verifies what it acknowledges.</para>
/// </summary>
public static class IngestionBenchmark
{
    public const int PayloadBytes = 25 * 1024;
    public const double ThroughputTarget = 0.80;
    public const double P99TargetMs = 20;

    private const int MaxRequestsPerPhase = 2_000_000;
    private const string TmpfsFolder = "/dev/shm";
    private const string TmpfsName = "FinGuard, store on tmpfs (diagnostic)";
    private const string VerifiedName = "bare + signature check + JSON parse (diagnostic)";
    private const string SignedName = "bare + signature check (diagnostic)";
    private const int MaxInFlight = 2_000;

    public static async Task RunAsync(BenchmarkRunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Console.WriteLine("## Ingestion: POST /api/github/webhooks");
        Console.WriteLine();

        var scenario = new PullRequestScenario(owner: "octo-org", repo: "payments", number: 42).WithCommit(verified: true).WithTwoIndependentApprovals();
        var delivery = new WebhookDelivery("pull_request", WebhookDelivery.PaddedPullRequestBody(scenario, WebhookDelivery.RecordedSynchronizeExample(), PayloadBytes), FinGuardServer.WebhookSecret);
        var connections = Math.Max(options.Concurrency, 256);

        await using var bare = await BareWebhookEndpoint.StartAsync();
        await using var verified = await BareWebhookEndpoint.StartAsync(verifySecret: FinGuardServer.WebhookSecret);
        await using var signed = await BareWebhookEndpoint.StartAsync(verifySecret: FinGuardServer.WebhookSecret, parseJson: false);
        await using var finGuard = await FinGuardServer.StartAsync(new Dictionary<string, string>(), idleWorker: true, options.StoreParent);
        await using var finGuardTmpfs = Directory.Exists(TmpfsFolder)
            ? await FinGuardServer.StartAsync(new Dictionary<string, string>(), idleWorker: true, TmpfsFolder)
            : null;
        using var bareClient = WebhookDelivery.NewClient(bare.BaseAddress, connections);
        using var verifiedClient = WebhookDelivery.NewClient(verified.BaseAddress, connections);
        using var signedClient = WebhookDelivery.NewClient(signed.BaseAddress, connections);
        using var finGuardClient = WebhookDelivery.NewClient(finGuard.BaseAddress, connections);
        using var tmpfsClient = finGuardTmpfs is null ? null : WebhookDelivery.NewClient(finGuardTmpfs.BaseAddress, connections);
        SendRequest SendTo(HttpClient client) => (_, ct) => delivery.SendAsync(client, Guid.NewGuid().ToString(), ct);

        Console.WriteLine($"payload: {delivery.Body.Length:N0} bytes (pull_request.synchronize from @octokit/webhooks-examples, body padded), signed; unique X-GitHub-Delivery per request");
        Console.WriteLine($"FinGuard: local store in {finGuard.StoragePath}, worker idle (deliveries stored, not dispatched)");
        if (finGuardTmpfs is not null)
        {
            Console.WriteLine($"diagnostic: the same FinGuard with its store on tmpfs, {finGuardTmpfs.StoragePath}");
        }

        Console.WriteLine($"closed loop: {options.Concurrency} clients x {options.PhaseDuration.TotalSeconds:0.#} s; open loop: {options.Rate:0} deliveries/s x {options.PhaseDuration.TotalSeconds:0.#} s; " +
            $"per target, {(options.Quick ? "in one round" : "interleaved in 4 rounds")}; warm-up {options.WarmUp.TotalSeconds:0.#} s each");
        Console.WriteLine();

        await LoadGenerator.ClosedLoopAsync("warm-up", SendTo(bareClient), options.Concurrency, options.WarmUp, MaxRequestsPerPhase);
        await LoadGenerator.ClosedLoopAsync("warm-up", SendTo(finGuardClient), options.Concurrency, options.WarmUp, MaxRequestsPerPhase);
        await LoadGenerator.ClosedLoopAsync("warm-up", SendTo(verifiedClient), options.Concurrency, options.WarmUp, MaxRequestsPerPhase);
        await LoadGenerator.ClosedLoopAsync("warm-up", SendTo(signedClient), options.Concurrency, options.WarmUp, MaxRequestsPerPhase);
        if (tmpfsClient is not null)
        {
            await LoadGenerator.ClosedLoopAsync("warm-up", SendTo(tmpfsClient), options.Concurrency, options.WarmUp, MaxRequestsPerPhase);
        }

        var targets = new List<(string Name, HttpClient Client)> { ("bare endpoint", bareClient), ("FinGuard", finGuardClient) };
        if (tmpfsClient is not null)
        {
            targets.Add((TmpfsName, tmpfsClient));
        }

        targets.Add((SignedName, signedClient));
        targets.Add((VerifiedName, verifiedClient));

        var rounds = options.Quick ? 1 : 4;
        var slice = options.PhaseDuration / rounds;
        var closedResults = await LoadGenerator.InterleavedAsync(targets, rounds,
            t => LoadGenerator.ClosedLoopAsync(t.Name, SendTo(t.Client), options.Concurrency, slice, MaxRequestsPerPhase));
        var openResults = await LoadGenerator.InterleavedAsync(targets, rounds,
            t => LoadGenerator.OpenLoopAsync(t.Name, SendTo(t.Client), options.Rate, slice, MaxInFlight));
        var (bareClosed, finGuardClosed, signedClosed, verifiedClosed) = (closedResults[0], closedResults[1], closedResults[^2], closedResults[^1]);
        var (bareOpen, finGuardOpen, signedOpen, verifiedOpen) = (openResults[0], openResults[1], openResults[^2], openResults[^1]);
        var (tmpfsClosed, tmpfsOpen) = tmpfsClient is null ? (null, null) : (closedResults[2], openResults[2]);

        Console.WriteLine($"### Closed loop, {options.Concurrency} clients (maximum throughput)");
        Console.WriteLine();
        var closed = new ConsoleTable("", "sent", "failed", "throughput", "p50", "p99", "max", "allocated per request", "process GC (gen0/1/2), pool");
        foreach (var result in new[] { bareClosed, finGuardClosed, tmpfsClosed, signedClosed, verifiedClosed }.OfType<LoadResult>())
        {
            closed.Add(result.Name, result.Sent, result.Failed, $"{result.Throughput:0}/s", ConsoleTable.Milliseconds(result.Latency.Percentile(50)),
                ConsoleTable.Milliseconds(result.Latency.Percentile(99)), ConsoleTable.Milliseconds(result.Latency.Max), result.Gc.AllocatedPer(result.Sent), result.Gc);
        }

        closed.Write();

        Console.WriteLine($"### Open loop, {options.Rate:0} deliveries/s (latency from the intended send time; service time from the actual send)");
        Console.WriteLine();
        var open = new ConsoleTable("", "sent", "failed", "achieved", "p50", "p99", "max", "service p99", "process GC (gen0/1/2), pool");
        foreach (var result in new[] { bareOpen, finGuardOpen, tmpfsOpen, signedOpen, verifiedOpen }.OfType<LoadResult>())
        {
            open.Add(result.Name, result.Sent, result.Failed, $"{result.Throughput:0}/s", ConsoleTable.Milliseconds(result.Latency.Percentile(50)),
                ConsoleTable.Milliseconds(result.Latency.Percentile(99)), ConsoleTable.Milliseconds(result.Latency.Max),
                ConsoleTable.Milliseconds(result.ServiceTime!.Percentile(99)), result.Gc);
        }

        open.Write();

        var throughputRatio = finGuardClosed.Throughput / bareClosed.Throughput;
        var p99 = finGuardOpen.Latency.Percentile(99);
        var openFailures = finGuardOpen.Failed;
        Console.WriteLine("### Ingestion against targets");
        Console.WriteLine();
        new ConsoleTable("measure", "FinGuard", "baseline (bare)", "ratio", "target", "verdict")
            .Add("throughput, closed loop", $"{finGuardClosed.Throughput:0}/s", $"{bareClosed.Throughput:0}/s", ConsoleTable.Ratio(throughputRatio),
                $">= {ThroughputTarget:P0} of bare", ConsoleTable.Verdict(throughputRatio >= ThroughputTarget && finGuardClosed.Failed == 0))
            .Add($"p99 at {options.Rate:0}/s, open loop", ConsoleTable.Milliseconds(p99), ConsoleTable.Milliseconds(bareOpen.Latency.Percentile(99)),
                ConsoleTable.Ratio(p99 / bareOpen.Latency.Percentile(99)), $"< {P99TargetMs:0} ms", ConsoleTable.Verdict(p99 < P99TargetMs && openFailures == 0))
            .Add($"p50 at {options.Rate:0}/s, open loop", ConsoleTable.Milliseconds(finGuardOpen.Latency.Percentile(50)), ConsoleTable.Milliseconds(bareOpen.Latency.Percentile(50)),
                ConsoleTable.Ratio(finGuardOpen.Latency.Percentile(50) / bareOpen.Latency.Percentile(50)), "", "")
            .Write();
        if (tmpfsClosed is not null && tmpfsOpen is not null)
        {
            Console.WriteLine($"{TmpfsName}: {tmpfsClosed.Throughput:0}/s = {ConsoleTable.Ratio(tmpfsClosed.Throughput / bareClosed.Throughput)} of bare; " +
                $"p99 at {options.Rate:0}/s {ConsoleTable.Milliseconds(tmpfsOpen.Latency.Percentile(99))}. The difference to FinGuard on disk is the cost of fsync.");
        }

        Console.WriteLine($"{SignedName}: {signedClosed.Throughput:0}/s = {ConsoleTable.Ratio(signedClosed.Throughput / bareClosed.Throughput)} of bare " +
            $"({signedClosed.Failed} failed): the HMAC-SHA256 of the body GitHub's signature requires, alone.");
        Console.WriteLine($"{VerifiedName}: {verifiedClosed.Throughput:0}/s = {ConsoleTable.Ratio(verifiedClosed.Throughput / bareClosed.Throughput)} of bare " +
            $"({verifiedClosed.Failed} failed); FinGuard reaches {ConsoleTable.Ratio(finGuardClosed.Throughput / verifiedClosed.Throughput)} of it. " +
            "What separates the bare endpoint from this is work no correct receiver can skip.");

        // One file per delivery, body included (*.tmp files are unfinished writes, never counted).
        var stored = Directory.EnumerateFiles(Path.Combine(finGuard.StoragePath, "deliveries"), "*.json").Count();
        var acceptedByFinGuard = finGuardClosed.Sent - finGuardClosed.Failed + finGuardOpen.Sent - finGuardOpen.Failed;
        Console.WriteLine($"check: FinGuard's inbox holds {stored:N0} deliveries (warm-up included) for {acceptedByFinGuard:N0} measured 202s.");
        Console.WriteLine();
    }
}
