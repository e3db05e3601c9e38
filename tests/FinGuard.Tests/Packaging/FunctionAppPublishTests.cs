using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using FinGuard.Functions;
using FinGuard.Testing;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;
using Xunit.Abstractions;

namespace FinGuard.Tests.Packaging;

/// <summary>
/// <c>dotnet publish src/FinGuard</c> produces the deployable function-app folder (published once per run, in the
/// configuration the tests were built in), and the published <c>finguard serve</c>, started the way the Functions host
/// starts it (<c>FUNCTIONS_CUSTOMHANDLER_PORT</c>), answers every non-HTTP function's documented invocation payload
/// with the custom-handler response contract.
/// </summary>
public sealed class FunctionAppPublishTests(FunctionAppPublishTests.Published published, ITestOutputHelper output)
    : IClassFixture<FunctionAppPublishTests.Published>
{
    [Fact]
    public void The_publish_folder_is_a_function_app()
    {
        output.WriteLine($"dotnet publish took {published.Duration.TotalSeconds:F1} s");
        var root = published.Folder;

        Assert.True(File.Exists(Path.Combine(root, "host.json")), "host.json at the root");
        Assert.Equal(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "host.json")), File.ReadAllText(Path.Combine(root, "host.json")));
        Assert.False(Directory.Exists(Path.Combine(root, "Functions")), "function folders sit at the root, not under Functions/");

        var executable = Path.Combine(root, "finguard");
        Assert.True(File.Exists(executable), "the finguard executable named by host.json defaultExecutablePath");
        if (!OperatingSystem.IsWindows())
        {
            Assert.True((File.GetUnixFileMode(executable) & UnixFileMode.UserExecute) != 0, "finguard is executable");
        }

        // Self-contained: the Functions host image has no ASP.NET Core 10 runtime.
        Assert.True(File.Exists(Path.Combine(root, "libcoreclr.so")), "self-contained linux-x64 runtime next to finguard");
        Assert.True(File.Exists(Path.Combine(root, "Microsoft.AspNetCore.dll")), "ASP.NET Core shipped with the app");
        Assert.True(File.Exists(Path.Combine(root, "app-manifest", "finguard.json")), "the App manifest the setup flow posts");

        var functions = FunctionDefinitions.Load(root);
        var sources = FunctionDefinitions.Load(Path.Combine(RepositoryRoot.Path, "src", "FinGuard", "Functions"));
        Assert.Equal(sources.Select(f => f.Name), functions.Select(f => f.Name));
        var problems = functions.SelectMany(FunctionDefinitions.Problems).ToList();
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public async Task The_published_handler_answers_every_non_http_function_with_the_contract()
    {
        var functions = FunctionDefinitions.Load(published.Folder);
        await using var handler = await PublishedHandler.StartAsync(published.Folder);
        output.WriteLine($"finguard serve answered /healthz after {handler.StartupTime.TotalSeconds:F1} s");

        // The HTTP functions are forwarded with their own paths.
        using (var health = await handler.Client.GetAsync(new Uri("healthz", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        // A delivery in the inbox, through the forwarded webhook route, for the queue trigger to process.
        var deliveryId = Guid.NewGuid().ToString();
        using (var webhook = await handler.Client.SendAsync(FinGuardHost.Delivery("ping", Encoding.UTF8.GetBytes(WebhookExamples.All("ping")[0].ToJsonString()), deliveryId: deliveryId)))
        {
            Assert.Equal(HttpStatusCode.Accepted, webhook.StatusCode);
        }

        var nonHttp = functions.Where(f => !f.IsHttp).ToList();
        Assert.Equal([.. FunctionNames.Timers.Append(FunctionNames.ProcessDelivery).Order(StringComparer.Ordinal)], nonHttp.Select(f => f.Name));
        foreach (var function in nonHttp)
        {
            var payload = DocumentedPayload(function, deliveryId).ToJsonString();
            var (status, body) = await handler.InvokeAsync(function.Name, payload);
            output.WriteLine($"POST /{function.Name} -> {(int)status} {body.ToJsonString()}");

            // 503 = the delivery is still pending (here: the in-process worker has it in flight); the Functions host
            // retries such a message after its visibility timeout, and so does this test, sooner.
            for (var retry = 0; status == HttpStatusCode.ServiceUnavailable && retry < 100; retry++)
            {
                await Task.Delay(100);
                (status, body) = await handler.InvokeAsync(function.Name, payload);
            }

            Assert.Equal(HttpStatusCode.OK, status);
            var logs = AssertContract(body);
            if (function.TriggerType == "timerTrigger")
            {
                // A job either did its work ("done") or is a placeholder that says it did nothing ("NOT IMPLEMENTED").
                Assert.Contains(logs, l => l.StartsWith($"{function.Name} (done;", StringComparison.Ordinal) || l.StartsWith($"{function.Name} (NOT IMPLEMENTED;", StringComparison.Ordinal));
            }
            else
            {
                Assert.Contains(logs, l => l.Contains(deliveryId, StringComparison.Ordinal) && l.Contains("completed", StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public async Task The_queue_function_fails_the_invocation_so_the_host_retries_or_poisons_the_message()
    {
        await using var handler = await PublishedHandler.StartAsync(published.Folder);

        var unknown = await handler.InvokeAsync(FunctionNames.ProcessDelivery, QueuePayload(Guid.NewGuid().ToString()).ToJsonString());
        var malformed = await handler.InvokeAsync(FunctionNames.ProcessDelivery, QueuePayload("not a delivery id!").ToJsonString());
        var wrongBinding = await handler.InvokeAsync(FunctionNames.ProcessDelivery, """{"Data":{"myQueueItem":"x"},"Metadata":{}}""");

        Assert.Equal(HttpStatusCode.InternalServerError, unknown.Status);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.Status);
        Assert.Equal(HttpStatusCode.BadRequest, wrongBinding.Status);
        Assert.All(new[] { unknown.Body, malformed.Body, wrongBinding.Body }, b => AssertContract(b));
    }

    /// <summary>The request payloads the Functions host sends a custom handler (learn.microsoft.com, "Azure Functions custom handlers").</summary>
    private static JsonObject DocumentedPayload(FunctionDefinition function, string deliveryId) => function.TriggerType switch
    {
        "queueTrigger" => QueuePayload(deliveryId, (string)function.Trigger["name"]!),
        "timerTrigger" => new JsonObject
        {
            ["Data"] = new JsonObject
            {
                [(string)function.Trigger["name"]!] = new JsonObject
                {
                    ["Schedule"] = new JsonObject { ["AdjustForDST"] = true },
                    ["ScheduleStatus"] = new JsonObject
                    {
                        ["Last"] = "2026-01-05T09:00:00+00:00",
                        ["Next"] = "2026-01-05T09:10:00+00:00",
                        ["LastUpdated"] = "2026-01-05T09:00:00+00:00",
                    },
                    ["IsPastDue"] = false,
                },
            },
            ["Metadata"] = new JsonObject
            {
                ["sys"] = new JsonObject { ["MethodName"] = function.Name, ["UtcNow"] = "2026-01-05T09:10:00.0123456Z", ["RandGuid"] = Guid.NewGuid().ToString() },
            },
        },
        _ => throw new InvalidOperationException($"No documented payload for {function.TriggerType}."),
    };

    private static JsonObject QueuePayload(string message, string binding = FunctionNames.ProcessDeliveryBinding) => new()
    {
        ["Data"] = new JsonObject { [binding] = message },
        ["Metadata"] = new JsonObject
        {
            ["DequeueCount"] = 1,
            ["ExpirationTime"] = "2026-01-12T09:00:00+00:00",
            ["Id"] = Guid.NewGuid().ToString(),
            ["InsertionTime"] = "2026-01-05T09:00:00+00:00",
            ["NextVisibleTime"] = "2026-01-05T09:10:00+00:00",
            ["PopReceipt"] = "AgAAAAMAAAAAAAAAAgtnj8x+1QE=",
            ["sys"] = new JsonObject { ["MethodName"] = FunctionNames.ProcessDelivery, ["UtcNow"] = "2026-01-05T09:00:01.5Z", ["RandGuid"] = Guid.NewGuid().ToString() },
        },
    };

    /// <summary>The custom-handler response: exactly Outputs (object), Logs (strings) and ReturnValue (null or string).</summary>
    private static List<string> AssertContract(JsonNode body)
    {
        var response = Assert.IsType<JsonObject>(body);
        Assert.Equal(["Logs", "Outputs", "ReturnValue"], response.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.IsType<JsonObject>(response["Outputs"]);
        var logs = Assert.IsType<JsonArray>(response["Logs"]).Select(l => (string)l!).ToList();
        Assert.NotEmpty(logs);
        Assert.True(response["ReturnValue"] is null || response["ReturnValue"]!.GetValueKind() == System.Text.Json.JsonValueKind.String);
        return logs;
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
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("dotnet publish src/FinGuard took more than 5 minutes.");
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

    /// <summary>The published <c>finguard serve</c>, started as the Functions host starts a custom handler.</summary>
    private sealed class PublishedHandler : IAsyncDisposable
    {
        private readonly Process process;
        private readonly string storage;

        private PublishedHandler(Process process, string storage, Uri baseAddress)
        {
            this.process = process;
            this.storage = storage;
            Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        }

        public HttpClient Client { get; }

        public TimeSpan StartupTime { get; private set; }

        public static async Task<PublishedHandler> StartAsync(string folder)
        {
            var port = LoopbackPorts.Free();
            var storage = TempDirectory.Create();
            var start = new ProcessStartInfo(Path.Combine(folder, "finguard"))
            {
                WorkingDirectory = folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add("serve");
            start.Environment["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment["Storage__LocalPath"] = storage;
            start.Environment["GitHub__WebhookSecret"] = FinGuardHost.WebhookSecret;
            start.Environment["Logging__LogLevel__Default"] = "Warning";
            var log = new StringBuilder();
            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
            process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            var handler = new PublishedHandler(process, storage, new Uri($"http://127.0.0.1:{port}/"));
            var stopwatch = Stopwatch.StartNew();
            while (stopwatch.Elapsed < TimeSpan.FromSeconds(30))
            {
                if (process.HasExited)
                {
                    break;
                }

                try
                {
                    using var response = await handler.Client.GetAsync(new Uri("healthz", UriKind.Relative));
                    if (response.IsSuccessStatusCode)
                    {
                        handler.StartupTime = stopwatch.Elapsed;
                        return handler;
                    }
                }
                catch (HttpRequestException)
                {
                }

                await Task.Delay(100);
            }

            await handler.DisposeAsync();
            string output;
            lock (log)
            {
                output = log.ToString();
            }

            throw new InvalidOperationException($"The published finguard serve did not answer /healthz on port {port} within 30 s (the Functions host allows 60 s). Output:{Environment.NewLine}{output}");
        }

        public async Task<(HttpStatusCode Status, JsonNode Body)> InvokeAsync(string function, string payload)
        {
            using var content = new StringContent(payload, Encoding.UTF8, "application/json");
            using var response = await Client.PostAsync(new Uri(function, UriKind.Relative), content);
            var text = await response.Content.ReadAsStringAsync();
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            return (response.StatusCode, JsonNode.Parse(text)!);
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
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
