using System.Text.Json.Nodes;
using FinGuard.Functions;
using FinGuard.Hosting;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace FinGuard.Tests.Packaging;

/// <summary>
/// The function-app sources (root <c>host.json</c>, <c>src/FinGuard/Functions/&lt;Name&gt;/function.json</c>) agree with
/// the app: the custom handler starts <c>finguard serve</c>, every HTTP function's route is a route the app serves
/// (forwarded requests keep their path), and every other function has a <c>POST /&lt;Name&gt;</c> endpoint.
/// </summary>
public sealed class FunctionDefinitionTests : IDisposable
{
    private static readonly string FunctionsSource = Path.Combine(RepositoryRoot.Path, "src", "FinGuard", "Functions");

    private readonly string folder = TempDirectory.Create();

    public void Dispose() => TempDirectory.Delete(folder);

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
            ["DailyCheckpoint", "FreezeWindowEdges", "Healthz", "ProcessDelivery", "Readyz", "RedeliverySweep", "SetupInstalled", "Webhook"],
            functions.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("api/github/webhooks", (string?)functions["Webhook"].Trigger["route"]);
        var queue = functions[FunctionNames.ProcessDelivery].Trigger;
        Assert.Equal("queueTrigger", (string?)queue["type"]);
        Assert.Equal(FunctionNames.DeliveriesQueue, (string?)queue["queueName"]);
        Assert.Equal(FunctionNames.ProcessDeliveryBinding, (string?)queue["name"]);
        Assert.Equal(FunctionNames.Timers.Order(StringComparer.Ordinal), functions.Values.Where(f => f.TriggerType == "timerTrigger").Select(f => f.Name));
        foreach (var timer in FunctionNames.Timers)
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
    public async Task Every_timer_function_runs_a_registered_job_and_every_job_has_a_timer()
    {
        await using var app = FinGuardApp.Build([$"--Storage:LocalPath={folder}", "--Logging:LogLevel:Default=None"]);
        var jobs = app.Services.GetServices<IScheduledJob>().Select(j => j.Name).ToHashSet(StringComparer.Ordinal);
        var timers = FunctionDefinitions.Load(FunctionsSource).Where(f => f.TriggerType == "timerTrigger").Select(f => f.Name).ToHashSet(StringComparer.Ordinal);

        Assert.True(timers.SetEquals(jobs),
            $"Timer functions without a job: {string.Join(", ", timers.Except(jobs))}; jobs no timer function runs: {string.Join(", ", jobs.Except(timers))}.");
    }

    [Fact]
    public async Task A_placeholder_job_says_it_did_nothing()
    {
        await using var app = FinGuardApp.Build(
            ["--urls", "http://127.0.0.1:0", $"--Storage:LocalPath={folder}", $"--{FunctionEndpoints.EnabledKey}=true", "--Logging:LogLevel:Default=None"],
            builder => builder.Services.AddSingleton<IScheduledJob>(sp =>
                new NotYetImplementedScheduledJob(FunctionNames.FreezeWindowEdges, sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<NotYetImplementedScheduledJob>>())));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        using var client = new HttpClient { BaseAddress = new Uri(address.TrimEnd('/') + "/") };
        using var content = new StringContent("""{"Data":{"timer":{"IsPastDue":true}},"Metadata":{}}""", System.Text.Encoding.UTF8, "application/json");

        using var response = await client.PostAsync(new Uri(FunctionNames.FreezeWindowEdges, UriKind.Relative), content);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        await app.StopAsync();

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var log = Assert.Single(body["Logs"]!.AsArray().Select(l => (string)l!));
        Assert.Equal("FreezeWindowEdges (NOT IMPLEMENTED; past due: yes): FreezeWindowEdges is not implemented yet: no work was done.", log);
    }

    [Fact]
    public async Task Function_endpoints_are_not_served_by_a_plain_finguard_serve()
    {
        await using var app = FinGuardApp.Build([$"--Storage:LocalPath={folder}", "--Logging:LogLevel:Default=None"]);

        var paths = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().Select(e => e.RoutePattern.RawText).ToList();

        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("FUNCTIONS_CUSTOMHANDLER_PORT")))
        {
            Assert.DoesNotContain("/" + FunctionNames.ProcessDelivery, paths);
        }
    }
}
