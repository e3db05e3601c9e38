using System.Text.Json.Nodes;
using FinGuard.Functions;
using FinGuard.Hosting;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;

namespace FinGuard.Tests.Packaging;

/// <summary>
/// The function-app sources (root <c>host.json</c>, <c>src/FinGuard/Functions/&lt;Name&gt;/function.json</c>) agree with
/// the app: the custom handler starts <c>finguard serve</c>, every HTTP function's route is a route the app serves
/// (forwarded requests keep their path), and every other function has a <c>POST /&lt;Name&gt;</c> endpoint.
/// </summary>
public sealed class FunctionDefinitionTests
{
    private static readonly string FunctionsSource = Path.Combine(RepositoryRoot.Path, "src", "FinGuard", "Functions");

    private static JsonObject HostJson() => JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "host.json")))!.AsObject();

    [Fact]
    public void Host_json_runs_finguard_serve_as_a_custom_handler_and_forwards_http_requests()
    {
        var host = HostJson();

        Assert.Equal("2.0", (string?)host["version"]);
        var handler = host["customHandler"]!;
        Assert.Equal("finguard", (string?)handler["description"]!["defaultExecutablePath"]);
        Assert.Equal(["serve"], handler["description"]!["arguments"]!.AsArray().Select(a => (string)a!));
        Assert.True(handler["enableForwardingHttpRequest"]!.GetValue<bool>());
        Assert.Equal("Microsoft.Azure.Functions.ExtensionBundle", (string?)host["extensionBundle"]!["id"]);
        // With an empty route prefix the forwarded path is exactly the function's route, e.g. /api/github/webhooks.
        Assert.Equal("", (string?)host["extensions"]!["http"]!["routePrefix"]);
        // Stated explicitly: the enqueuing side must encode messages the same way.
        Assert.Equal("base64", (string?)host["extensions"]!["queues"]!["messageEncoding"]);
    }

    [Fact]
    public void Every_function_json_is_valid()
    {
        var functions = FunctionDefinitions.Load(FunctionsSource);

        Assert.NotEmpty(functions);
        var problems = functions.SelectMany(FunctionDefinitions.Problems).ToList();
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void The_function_set_is_the_webhook_the_health_probes_the_install_page_the_delivery_queue_and_the_timers()
    {
        var functions = FunctionDefinitions.Load(FunctionsSource).ToDictionary(f => f.Name);

        Assert.Equal(
            ["FreezeWindowEdges", "Healthz", "ProcessDelivery", "Readyz", "RedeliverySweep", "SetupInstalled", "Webhook"],
            functions.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("api/github/webhooks", (string?)functions["Webhook"].Trigger["route"]);
        var queue = functions[FunctionNames.ProcessDelivery].Trigger;
        Assert.Equal("queueTrigger", (string?)queue["type"]);
        Assert.Equal(FunctionNames.DeliveriesQueue, (string?)queue["queueName"]);
        Assert.Equal(FunctionNames.ProcessDeliveryBinding, (string?)queue["name"]);
        foreach (var timer in new[] { FunctionNames.RedeliverySweep, FunctionNames.FreezeWindowEdges })
        {
            Assert.Equal("timerTrigger", functions[timer].TriggerType);
            Assert.Equal(FunctionNames.TimerBinding, (string?)functions[timer].Trigger["name"]);
        }
    }

    [Theory]
    [InlineData("0 */10 * * * *", true)]
    [InlineData("0 * * * * *", true)]
    [InlineData("0 0 9-17/2 * * 1-5", true)]
    [InlineData("*/5 * * * *", false)]
    [InlineData("0 60 * * * *", false)]
    [InlineData("0 0 0 0 * *", false)]
    [InlineData("00:05:00", false)]
    public void Ncrontab_check_takes_six_fields_in_range(string schedule, bool valid) =>
        Assert.Equal(valid, FunctionDefinitions.IsNcrontab(schedule));

    [Fact]
    public async Task Every_function_has_a_matching_app_endpoint()
    {
        var folder = TempDirectory.Create();
        await using var app = FinGuardApp.Build([$"--Storage:LocalPath={folder}", $"--{FunctionEndpoints.EnabledKey}=true", "--Logging:LogLevel:Default=None"]);
        var routes = ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(d => d.Endpoints)
            .OfType<RouteEndpoint>()
            .Select(e => (Path: "/" + e.RoutePattern.RawText!.TrimStart('/'), Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []))
            .ToList();
        var prefix = (string)HostJson()["extensions"]!["http"]!["routePrefix"]!;

        foreach (var function in FunctionDefinitions.Load(FunctionsSource))
        {
            if (function.IsHttp)
            {
                var path = "/" + string.Join('/', new[] { prefix, (string)function.Trigger["route"]! }.Where(s => s.Length > 0)).Trim('/');
                foreach (var method in function.Trigger["methods"]!.AsArray().Select(m => ((string)m!).ToUpperInvariant()))
                {
                    Assert.True(routes.Any(r => r.Path == path && r.Methods.Contains(method)),
                        $"HTTP function {function.Name} forwards {method} {path}, which the app does not serve.");
                }
            }
            else
            {
                Assert.True(routes.Any(r => r.Path == "/" + function.Name && r.Methods.Contains("POST")),
                    $"Non-HTTP function {function.Name} is invoked as POST /{function.Name}, which the app does not serve.");
            }
        }
    }

    [Fact]
    public async Task Function_endpoints_are_not_served_by_a_plain_finguard_serve()
    {
        var folder = TempDirectory.Create();
        await using var app = FinGuardApp.Build([$"--Storage:LocalPath={folder}", "--Logging:LogLevel:Default=None"]);

        var paths = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().Select(e => e.RoutePattern.RawText).ToList();

        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("FUNCTIONS_CUSTOMHANDLER_PORT")))
        {
            Assert.DoesNotContain("/" + FunctionNames.ProcessDelivery, paths);
        }
    }
}
