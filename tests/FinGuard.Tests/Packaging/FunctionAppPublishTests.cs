using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using FinGuard.Testing;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;
using Xunit.Abstractions;

namespace FinGuard.Tests.Packaging;

/// <summary>
/// <c>dotnet publish src/FinGuard</c> produces the deployable function-app folder (published once per run, in the
/// configuration the tests were built in): a framework-dependent isolated worker with the SDK's metadata, and the
/// same <c>finguard</c> that runs <c>serve</c>. Started with the Functions host's worker arguments, the published
/// executable is the worker and dials the host's gRPC endpoint; without them it is <c>serve</c>.
/// </summary>
public sealed class FunctionAppPublishTests(FunctionAppPublishTests.Published published, ITestOutputHelper output)
    : IClassFixture<FunctionAppPublishTests.Published>
{
    [Fact]
    public void The_publish_folder_is_a_framework_dependent_isolated_function_app()
    {
        var root = published.Folder;
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToList();
        output.WriteLine($"dotnet publish took {published.Duration.TotalSeconds:F1} s; {files.Count} files, {files.Sum(f => new FileInfo(f).Length) / (1024.0 * 1024):F1} MiB");

        Assert.Equal(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "host.json")), File.ReadAllText(Path.Combine(root, "host.json")));
        Assert.DoesNotContain(files, f => Path.GetFileName(f) == "function.json");

        // The host starts `dotnet finguard.dll` for the dotnet-isolated runtime.
        var worker = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "worker.config.json")))!["description"]!;
        Assert.Equal("dotnet-isolated", (string?)worker["language"]);
        Assert.Equal("dotnet", (string?)worker["defaultExecutablePath"]);
        Assert.Equal("finguard.dll", (string?)worker["defaultWorkerPath"]);
        Assert.True(File.Exists(Path.Combine(root, "finguard.dll")));

        // Framework-dependent: no runtime of its own; the image's .NET 10 and ASP.NET Core run it.
        Assert.False(File.Exists(Path.Combine(root, "libcoreclr.so")), "no self-contained runtime");
        Assert.False(File.Exists(Path.Combine(root, "Microsoft.AspNetCore.dll")), "ASP.NET Core comes from the shared framework");
        var runtimeConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "finguard.runtimeconfig.json")))!["runtimeOptions"]!;
        Assert.Contains(runtimeConfig["frameworks"]!.AsArray(), f => (string?)f!["name"] == "Microsoft.AspNetCore.App" && ((string?)f["version"])!.StartsWith("10.", StringComparison.Ordinal));

        // The same functions as the build's metadata, and the host-side queue extension the worker SDK brings.
        Assert.Equal(
            FunctionMetadata.Load(FunctionMetadata.BuildOutput).Select(f => f.Json.ToJsonString()),
            FunctionMetadata.Load(root).Select(f => f.Json.ToJsonString()));
        Assert.Contains("Storage.Queues", File.ReadAllText(Path.Combine(root, "extensions.json")), StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(root, ".azurefunctions")), "the worker's binding extensions");
        Assert.True(File.Exists(Path.Combine(root, "app-manifest", "finguard.json")), "the App manifest the setup flow posts");
    }

    [Fact]
    public async Task Started_with_the_functions_host_arguments_the_published_executable_is_the_worker_and_dials_the_host()
    {
        // The Functions host's gRPC endpoint, reduced to a loopback listener: the worker opens an HTTP/2 connection to it.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var workerId = Guid.NewGuid().ToString();
        var requestId = Guid.NewGuid().ToString();
        await using var process = await PublishedProcess.StartAsync(published.Folder, [
            "--host", "127.0.0.1", "--port", $"{port}", "--workerId", workerId, "--requestId", requestId, "--grpcMaxMessageLength", "2147483647",
            "--functions-uri", $"http://127.0.0.1:{port}/", "--functions-worker-id", workerId, "--functions-request-id", requestId,
            "--functions-grpc-max-message-length", "2147483647"]);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var connection = await listener.AcceptTcpClientAsync(timeout.Token);
        var preface = new byte[24];
        await connection.GetStream().ReadExactlyAsync(preface, timeout.Token);

        Assert.Equal("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", Encoding.ASCII.GetString(preface));
    }

    [Fact]
    public async Task Without_them_the_published_executable_is_finguard_serve()
    {
        var port = LoopbackPorts.Free();
        await using var process = await PublishedProcess.StartAsync(published.Folder, ["serve", "--urls", $"http://127.0.0.1:{port}"]);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };

        var stopwatch = Stopwatch.StartNew();
        HttpResponseMessage? health = null;
        while (health is null && stopwatch.Elapsed < TimeSpan.FromSeconds(30) && !process.HasExited)
        {
            try
            {
                health = await client.GetAsync(new Uri("healthz", UriKind.Relative));
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
        }

        Assert.True(health is { StatusCode: HttpStatusCode.OK }, $"finguard serve did not answer /healthz within 30 s:{Environment.NewLine}{process.Output}");
        output.WriteLine($"finguard serve answered /healthz after {stopwatch.Elapsed.TotalSeconds:F1} s");
        using var ping = await client.SendAsync(FinGuardHost.Delivery("ping", Encoding.UTF8.GetBytes(WebhookExamples.All("ping")[0].ToJsonString())));
        Assert.Equal(HttpStatusCode.Accepted, ping.StatusCode);
        health.Dispose();
    }

    /// <summary>The function-app folder, published once for the test class.</summary>
    public sealed class Published : IAsyncLifetime
    {
        public string Folder { get; } = TempDirectory.Create();

        public TimeSpan Duration { get; private set; }

        public async Task InitializeAsync()
        {
            var configuration = typeof(Published).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
            var project = Path.Combine(RepositoryRoot.Path, "src", "FinGuard", "FinGuard.csproj");
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet && File.Exists(dotnet) ? dotnet : "dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = RepositoryRoot.Path,
            };
            foreach (var argument in new[] { "publish", project, "-c", configuration, "-o", Folder, "--nologo", "-v", "quiet" })
            {
                start.ArgumentList.Add(argument);
            }

            // The test host inherits MSBuild variables from `dotnet test`; a nested publish must not.
            foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                start.Environment.Remove(name);
            }

            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            start.Environment["DOTNET_NOLOGO"] = "1";
            var stopwatch = Stopwatch.StartNew();
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("dotnet publish src/FinGuard took more than 10 minutes.");
            }

            Duration = stopwatch.Elapsed;
            Assert.True(process.ExitCode == 0, $"dotnet publish src/FinGuard -c {configuration} failed ({process.ExitCode}):{Environment.NewLine}{await stdout}{await stderr}");
        }

        public Task DisposeAsync()
        {
            TempDirectory.Delete(Folder);
            return Task.CompletedTask;
        }
    }

    /// <summary>The published <c>finguard.dll</c>, run as the Functions host runs it (<c>dotnet finguard.dll ...</c>).</summary>
    private sealed class PublishedProcess : IAsyncDisposable
    {
        private readonly Process process;
        private readonly string storage;
        private readonly StringBuilder log = new();

        private PublishedProcess(Process process, string storage)
        {
            this.process = process;
            this.storage = storage;
        }

        public bool HasExited => process.HasExited;

        public string Output
        {
            get
            {
                lock (log)
                {
                    return log.ToString();
                }
            }
        }

        public static Task<PublishedProcess> StartAsync(string folder, IEnumerable<string> args)
        {
            var storage = TempDirectory.Create();
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet && File.Exists(dotnet) ? dotnet : "dotnet")
            {
                WorkingDirectory = folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(Path.Combine(folder, "finguard.dll"));
            foreach (var argument in args)
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment["Storage__LocalPath"] = storage;
            start.Environment["GitHub__WebhookSecret"] = FinGuardHost.WebhookSecret;
            start.Environment["Logging__LogLevel__Default"] = "Warning";
            var published = new PublishedProcess(Process.Start(start)!, storage);
            published.process.OutputDataReceived += (_, e) => { lock (published.log) { published.log.AppendLine(e.Data); } };
            published.process.ErrorDataReceived += (_, e) => { lock (published.log) { published.log.AppendLine(e.Data); } };
            published.process.BeginOutputReadLine();
            published.process.BeginErrorReadLine();
            return Task.FromResult(published);
        }

        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
            TempDirectory.Delete(storage);
        }
    }
}
