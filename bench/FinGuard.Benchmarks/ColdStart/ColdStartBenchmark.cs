using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using FinGuard.Benchmarks.EndToEnd;
using FinGuard.Benchmarks.Load;
using FinGuard.Benchmarks.Reporting;
using FinGuard.Testing;
using FinGuard.Testing.FakeGitHub;

namespace FinGuard.Benchmarks.ColdStart;

/// <summary>
/// A freshly started, published <c>finguard serve</c> (what a new Azure Functions instance runs when the app scales
/// out under load) put straight under the end-to-end load: how long it takes to answer <c>/healthz</c>, and the
/// delivery → check run latency in its first seconds, when the JIT is still compiling FinGuard's code. The same
/// source is published twice in the same run, as it is (JIT only) and ReadyToRun (<c>PublishReadyToRun</c>:
/// FinGuard's and its packages' code precompiled), and the two are started alternately. With <c>--baseline REF</c>
/// the two variants are instead the git commit REF and the current source (or <c>--candidate REF2</c>), both
/// ReadyToRun: an A/B of a change to how FinGuard is built or hosted, measured in the same run so both sides share the
/// machine's state.
/// </summary>
public static class ColdStartBenchmark
{
    private const int Repositories = 64;

    public static async Task RunAsync(BenchmarkRunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Console.WriteLine("## Cold start: a freshly started published `finguard serve` under the end-to-end load");
        Console.WriteLine();

        var variants = new List<(string Name, string Folder)>();
        var sources = options.Baseline is { } baseline
            ? new[] { ($"baseline {baseline}", true, (string?)baseline), options.Candidate is { } candidate ? ($"candidate {candidate}", true, (string?)candidate) : ("current source", true, (string?)null) }
            : new[] { ("JIT only", false, (string?)null), ("ReadyToRun", true, (string?)null) };
        foreach (var (name, readyToRun, commit) in sources)
        {
            var folder = Path.Combine(RepositoryRoot.Path, "artifacts", "bench", "publish", commit is null ? (readyToRun ? "r2r" : "jit") : $"commit-{variants.Count}");
            var clock = Stopwatch.StartNew();
            if (commit is null)
            {
                await PublishAsync(RepositoryRoot.Path, folder, readyToRun);
            }
            else
            {
                await PublishCommitAsync(commit, folder);
            }

            Console.WriteLine($"published {name} to {folder} in {clock.Elapsed.TotalSeconds:0.0} s ({FolderMegabytes(folder):0} MB)");
            variants.Add((name, folder));
        }

        Console.WriteLine();
        var duration = options.Duration ?? TimeSpan.FromSeconds(options.Quick ? 4 : 10);
        var rounds = options.Quick ? 1 : 3;
        var results = new List<ColdStartResult>();
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var (name, folder) in variants)
            {
                results.Add(await RunOnceAsync(name, round, folder, options.Rate, duration, options.StoreParent));
            }
        }

        Console.WriteLine($"### Started, then at once {options.Rate:0} deliveries/s for {duration.TotalSeconds:0.#} s ({rounds} rounds, alternating)");
        Console.WriteLine();
        var table = new ConsoleTable("", "round", "start → /healthz", "CPU by then", "published", "p50 first 2 s", "p99 first 2 s", "p50 all", "p99 all", "CPU per delivery");
        foreach (var r in results)
        {
            table.Add(r.Name, r.Round, ConsoleTable.Milliseconds(r.StartupMs), ConsoleTable.Milliseconds(r.StartupCpuMs), $"{r.Published:N0}/{r.Sent:N0}",
                PublishLatencies.Show(r.FirstSeconds, 50), PublishLatencies.Show(r.FirstSeconds, 99), PublishLatencies.Show(r.All, 50), PublishLatencies.Show(r.All, 99), $"{r.CpuMsPerDelivery:0.00} ms");
        }

        table.Write();
        var summary = new ConsoleTable("measure (median of rounds)", variants[0].Name, variants[1].Name, "ratio");
        foreach (var (label, pick) in new (string, Func<ColdStartResult, double>)[]
        {
            ("start → /healthz", r => r.StartupMs),
            ("p99 received → published, first 2 s", r => PublishLatencies.Percentile(r.FirstSeconds, 99)),
            ("p99 received → published, whole run", r => PublishLatencies.Percentile(r.All, 99)),
            ("process CPU per delivery", r => r.CpuMsPerDelivery),
        })
        {
            var first = Median(results.Where(r => r.Name == variants[0].Name).Select(pick));
            var second = Median(results.Where(r => r.Name == variants[1].Name).Select(pick));
            summary.Add(label, Format(label, first), Format(label, second), ConsoleTable.Ratio(second / first));
        }

        summary.Write();
    }

    private static async Task<ColdStartResult> RunOnceAsync(string name, int round, string folder, double rate, TimeSpan duration, string storeParent)
    {
        var sent = (int)(rate * duration.TotalSeconds);
        var corpus = BenchPullRequest.Create(sent, Repositories, FinGuardServer.WebhookSecret);
        await using var github = await LoadGitHub.StartAsync(corpus);
        using var key = RSA.Create(2048);
        var store = Directory.CreateDirectory(Path.Combine(storeParent, $"finguard-coldstart-{Guid.NewGuid():N}")).FullName;
        var port = LoopbackPorts.Free();
        var start = new ProcessStartInfo(Path.Combine(folder, "finguard")) { WorkingDirectory = folder, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add($"--urls=http://127.0.0.1:{port}");
        start.Environment["Storage__LocalPath"] = store;
        start.Environment["GitHub__WebhookSecret"] = FinGuardServer.WebhookSecret;
        start.Environment["GitHub__AppId"] = "123456";
        start.Environment["GitHub__PrivateKey"] = key.ExportRSAPrivateKeyPem();
        start.Environment["GitHub__ApiBaseUrl"] = github.BaseAddress.ToString();
        start.Environment["Logging__LogLevel__Default"] = "Warning";

        using var client = WebhookDelivery.NewClient(new Uri($"http://127.0.0.1:{port}/"), 256);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            double startupMs;
            while (true)
            {
                if (process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new InvalidOperationException($"{name}: finguard serve did not answer /healthz (exit code {(process.HasExited ? process.ExitCode : "none")})");
                }

                try
                {
                    using var response = await client.GetAsync(new Uri("healthz", UriKind.Relative));
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        startupMs = clock.Elapsed.TotalMilliseconds;
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                }

                await Task.Delay(5);
            }

            process.Refresh();
            var startupCpu = process.TotalProcessorTime;
            var due = new long[sent];
            await LoadGenerator.OpenLoopAsync(
                $"{name} cold start", (i, ct) => corpus[i].Delivery.SendAsync(client, Guid.NewGuid().ToString(), ct), rate, duration, sent, (i, timestamp) => due[i] = timestamp);
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(120) && !corpus.All(p => github.TryGetPublished(p.HeadSha, out _)))
            {
                await Task.Delay(200);
            }

            process.Refresh();
            var cpu = process.TotalProcessorTime - startupCpu;
            var all = new List<double>();
            var first = new List<double>();
            var published = 0;
            for (var i = 0; i < sent; i++)
            {
                var latency = github.TryGetPublished(corpus[i].HeadSha, out var at) ? (at - due[i]) * 1000.0 / Stopwatch.Frequency : double.PositiveInfinity;
                published += double.IsFinite(latency) ? 1 : 0;
                all.Add(latency);
                if ((due[i] - due[0]) < 2 * Stopwatch.Frequency)
                {
                    first.Add(latency);
                }
            }

            all.Sort();
            first.Sort();
            return new ColdStartResult(name, round, startupMs, startupCpu.TotalMilliseconds, sent, published, first, all, cpu.TotalMilliseconds / sent);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            Directory.Delete(store, recursive: true);
        }
    }

    private static Task PublishAsync(string root, string folder, bool readyToRun) =>
        RunAsync("dotnet", root, "publish", Path.Combine("src", "FinGuard"), "-c", "Release", "-o", folder, "--nologo", $"-p:PublishReadyToRun={(readyToRun ? "true" : "false")}");

    /// <summary>Publishes a commit from a temporary detached worktree, so the checkout being measured is untouched.</summary>
    private static async Task PublishCommitAsync(string commit, string folder)
    {
        var worktree = Path.Combine(RepositoryRoot.Path, "artifacts", "bench", "baseline-source");
        if (Directory.Exists(worktree))
        {
            await RunAsync("git", RepositoryRoot.Path, "worktree", "remove", "--force", worktree);
        }

        await RunAsync("git", RepositoryRoot.Path, "worktree", "add", "--detach", worktree, commit);
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            await PublishAsync(worktree, folder, readyToRun: true);
        }
        finally
        {
            await RunAsync("git", RepositoryRoot.Path, "worktree", "remove", "--force", worktree);
        }
    }

    private static async Task RunAsync(string fileName, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{await output}\n{await error}");
        }
    }

    private static double FolderMegabytes(string folder) =>
        new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) / 1_000_000.0;


    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Format(string label, double value) =>
        label.Contains("CPU", StringComparison.Ordinal) ? $"{value:0.00} ms" : ConsoleTable.Milliseconds(value);

    private sealed record ColdStartResult(
        string Name, int Round, double StartupMs, double StartupCpuMs, int Sent, int Published, List<double> FirstSeconds, List<double> All, double CpuMsPerDelivery);
}
