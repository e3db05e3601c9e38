using System.Text.Json.Nodes;
using FinGuard.Functions;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Tests.Infrastructure;
using FinGuard.Webhooks;

namespace FinGuard.Tests.Packaging;

/// <summary>
/// The function app as the Functions host sees it: <c>functions.metadata</c> from the build (the SDK's reading of the
/// <c>[Function]</c> attributes) names every function with the trigger, route, queue, connection and schedule FinGuard
/// depends on, every HTTP route is an endpoint the app serves, and host.json keeps what the host reads.
/// </summary>
public sealed class FunctionMetadataTests
{
    private static readonly IReadOnlyDictionary<string, FunctionMetadataEntry> Functions =
        FunctionMetadata.Load(FunctionMetadata.BuildOutput).ToDictionary(f => f.Name, StringComparer.Ordinal);

    [Fact]
    public void The_function_set_is_the_webhook_the_health_probes_the_install_page_the_delivery_queue_and_the_timers()
    {
        Assert.Equal(
            ["DailyCheckpoint", "FreezeWindowEdges", "Healthz", "ProcessDelivery", "Readyz", "RedeliverySweep", "SetupInstalled", "TreeHeads", "Webhook"],
            Functions.Keys.Order(StringComparer.Ordinal));
        Assert.All(Functions.Values, f => Assert.Equal("dotnet-isolated", (string?)f.Json["language"]));
        Assert.All(Functions.Values, f => Assert.Equal("finguard.dll", (string?)f.Json["scriptFile"]));
    }

    [Theory]
    [InlineData(FunctionNames.Webhook, "post", "api/github/webhooks")]
    [InlineData(FunctionNames.Healthz, "get", "healthz")]
    [InlineData(FunctionNames.Readyz, "get", "readyz")]
    [InlineData(FunctionNames.SetupInstalled, "get", "setup/installed")]
    public void Each_http_function_is_anonymous_on_its_route_and_returns_the_http_response(string name, string method, string route)
    {
        var function = Functions[name];
        var trigger = function.Trigger;

        Assert.Equal("httpTrigger", function.TriggerType);
        // GitHub cannot send function keys: FinGuard authenticates webhooks by signature.
        Assert.Equal("anonymous", ((string?)trigger["authLevel"])?.ToLowerInvariant());
        Assert.Equal([method], trigger["methods"]!.AsArray().Select(m => ((string)m!).ToLowerInvariant()));
        Assert.Equal(route, (string?)trigger["route"]);
        Assert.Contains(function.Bindings, b => (string?)b["type"] == "http" && (string?)b["name"] == "$return" && ((string?)b["direction"])?.ToLowerInvariant() == "out");
    }

    [Fact]
    public void The_webhook_route_is_the_path_the_app_manifest_and_serve_use() =>
        Assert.Equal(WebhookEndpoints.Path, "/" + (string)Functions[FunctionNames.Webhook].Trigger["route"]!);

    [Fact]
    public void ProcessDelivery_is_a_queue_trigger_on_the_deliveries_queue_over_the_FinGuardQueue_connection()
    {
        var trigger = Functions[FunctionNames.ProcessDelivery].Trigger;

        Assert.Equal("queueTrigger", (string?)trigger["type"]);
        Assert.Equal("deliveries", (string?)trigger["queueName"]);
        Assert.Equal("FinGuardQueue", (string?)trigger["connection"]);
        Assert.Equal("String", (string?)trigger["dataType"]);
    }

    [Theory]
    [InlineData(FunctionNames.RedeliverySweep, "0 */10 * * * *")]
    [InlineData(FunctionNames.FreezeWindowEdges, "0 * * * * *")]
    [InlineData(FunctionNames.DailyCheckpoint, "0 15 0 * * *")]
    [InlineData(FunctionNames.TreeHeads, "0 5 * * * *")]
    public void Each_timer_fires_on_the_schedule_serve_uses(string name, string schedule)
    {
        var trigger = Functions[name].Trigger;

        Assert.Equal("timerTrigger", (string?)trigger["type"]);
        Assert.Equal(schedule, (string?)trigger["schedule"]);
        Assert.Equal(schedule, FunctionNames.Schedules[name]);
        // runOnStartup would run the job on every scale-out; it stays off (absent or false).
        Assert.False(trigger["runOnStartup"] is JsonValue run && run.GetValue<bool>());
    }

    [Fact]
    public void Every_http_function_runs_an_endpoint_the_app_serves()
    {
        var folder = TempDirectory.Create();
        try
        {
            using var worker = IsolatedWorkerHost.Build(["--functions-uri", "http://127.0.0.1:9/", $"--Storage:LocalPath={folder}", "--Logging:LogLevel:Default=None"]);
            var routes = worker.Services.GetRequiredService<FunctionHttpEndpoints>().Routes.ToHashSet();

            foreach (var function in Functions.Values.Where(f => f.IsHttp))
            {
                foreach (var method in function.Trigger["methods"]!.AsArray().Select(m => ((string)m!).ToUpperInvariant()))
                {
                    Assert.True(routes.Contains((method, (string)function.Trigger["route"]!)),
                        $"HTTP function {function.Name} is {method} /{function.Trigger["route"]}, which the app does not serve.");
                }
            }
        }
        finally
        {
            TempDirectory.Delete(folder);
        }
    }

    [Fact]
    public void Host_json_has_no_custom_handler_an_empty_route_prefix_and_base64_queue_messages()
    {
        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "host.json")))!.AsObject();

        Assert.Equal("2.0", (string?)host["version"]);
        Assert.Null(host["customHandler"]);
        // The worker brings its own binding extensions (.azurefunctions); a bundle would be a second, conflicting set.
        Assert.Null(host["extensionBundle"]);
        // With an empty route prefix the public path is exactly the function's route, e.g. /api/github/webhooks.
        Assert.Equal("", (string?)host["extensions"]!["http"]!["routePrefix"]);
        // Stated explicitly: the enqueuing side must encode messages the same way.
        Assert.Equal("base64", (string?)host["extensions"]!["queues"]!["messageEncoding"]);
        Assert.Equal(6, (int)host["extensions"]!["queues"]!["maxDequeueCount"]!);
    }
}
