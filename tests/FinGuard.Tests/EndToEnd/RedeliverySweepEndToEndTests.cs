using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FinGuard.Core.Deliveries;
using FinGuard.Functions;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.EndToEnd;

/// <summary>
/// The <c>RedeliverySweep</c> timer against the fake GitHub's delivery log: failed attempts FinGuard never stored are
/// redelivered (once per delivery, the newest attempt), stored ones, refused ones (4xx) and exhausted ones are not,
/// and a redelivery GitHub then makes is stored, so the next sweep leaves it alone.
/// </summary>
public sealed class RedeliverySweepEndToEndTests : IAsyncLifetime
{
    private readonly string folder = TempDirectory.Create();
    private FakeGitHubServer github = null!;
    private FinGuardHost host = null!;

    public async Task InitializeAsync()
    {
        github = await FakeGitHubServer.StartAsync();
        var settings = FinGuardHost.GitHubSettings(github, folder);
        settings[LocalTimerScheduler.EnabledKey] = "false";
        host = await FinGuardHost.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await github.DisposeAsync();
        TempDirectory.Delete(folder);
    }

    private static JsonObject Attempt(long id, string guid, DateTimeOffset at, int statusCode, bool redelivery = false)
    {
        var item = GitHubExamples.Get("hook-delivery-items").AsArray()[0]!.DeepClone().AsObject();
        item["id"] = id;
        item["guid"] = guid;
        item["delivered_at"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        item["status_code"] = statusCode;
        item["status"] = statusCode == 0 ? "timed out" : "failed";
        item["redelivery"] = redelivery;
        item["event"] = "ping";
        item["action"] = null;
        return item;
    }

    // What the RedeliverySweep timer function runs (WorkerFunctionTests invokes the function itself).
    private Task<string> RunSweepAsync() =>
        host.Services.GetRequiredService<ScheduledJobRunner>().RunAsync(new ScheduledJobContext(FunctionNames.RedeliverySweep, false, null), CancellationToken.None);

    [Fact]
    public async Task Failed_deliveries_finguard_never_stored_are_redelivered_once_and_nothing_else_is()
    {
        var now = TimeProvider.System.GetUtcNow();
        var ping = Encoding.UTF8.GetBytes(WebhookExamples.All("ping")[0].ToJsonString());

        // A delivery FinGuard stored although GitHub logged a 502 for an earlier attempt of it.
        var stored = Guid.NewGuid().ToString();
        using (var ack = await host.Client.SendAsync(FinGuardHost.Delivery("ping", ping, deliveryId: stored)))
        {
            Assert.Equal(HttpStatusCode.Accepted, ack.StatusCode);
        }

        var timedOut = Guid.NewGuid().ToString();
        var badSignature = Guid.NewGuid().ToString();
        var exhausted = Guid.NewGuid().ToString();
        var twice = Guid.NewGuid().ToString();
        var tooOld = Guid.NewGuid().ToString();
        var page1 = new JsonArray(
            Attempt(31, twice, now.AddMinutes(-5), 503),
            Attempt(30, timedOut, now.AddMinutes(-20), 0),
            Attempt(29, badSignature, now.AddMinutes(-25), 401),
            Attempt(28, exhausted, now.AddMinutes(-30), 502, redelivery: true),
            Attempt(27, exhausted, now.AddMinutes(-40), 502, redelivery: true),
            Attempt(26, exhausted, now.AddMinutes(-50), 502, redelivery: true),
            Attempt(25, stored, now.AddMinutes(-55), 502),
            Attempt(24, twice, now.AddMinutes(-60), 500));
        var page2 = new JsonArray(Attempt(23, exhausted, now.AddHours(-1.5), 502), Attempt(10, tooOld, now.AddHours(-8), 0));
        var next = new Uri(github.BaseAddress, "app/hook/deliveries?per_page=100&status=failure&cursor=v1_24");
        github.Respond("GET", "/app/hook/deliveries", r => r.Query.ContainsKey("cursor")
            ? FakeResponse.Json(page2.ToJsonString())
            : FakeResponse.Json(page1.ToJsonString(), headers: new Dictionary<string, string> { ["Link"] = $"<{next.AbsoluteUri}>; rel=\"next\"" }));

        // GitHub answers a redelivery request with 202 and sends the delivery again, with the same GUID.
        var guids = new Dictionary<long, string> { [30] = timedOut, [31] = twice };
        github.Respond("POST", "/app/hook/deliveries/{delivery_id}/attempts", async (r, ct) =>
        {
            var id = long.Parse(r.RouteValues["delivery_id"], CultureInfo.InvariantCulture);
            using var again = await host.Client.SendAsync(FinGuardHost.Delivery("ping", ping, deliveryId: guids[id]), ct);
            return FakeResponse.Json("{}", 202);
        });

        var first = await RunSweepAsync();

        Assert.Contains("10 failed attempt(s)", first, StringComparison.Ordinal);
        Assert.Contains("asked GitHub to redeliver 2; 1 already stored; 1 refused on purpose (4xx); 1 given up after 3 redeliveries.", first, StringComparison.Ordinal);
        var redelivered = github.FindRequests("POST", "/app/hook/deliveries/{delivery_id}/attempts").Select(r => r.RouteValues["delivery_id"]).Order().ToList();
        Assert.Equal(["30", "31"], redelivered);
        Assert.All(github.FindRequests("GET", "/app/hook/deliveries"), r => Assert.Equal(3, r.Header("Authorization")!.Split(' ')[1].Split('.').Length));
        var inbox = host.Services.GetRequiredService<IDeliveryInbox>();
        Assert.NotNull(await inbox.GetAsync(timedOut, CancellationToken.None));
        Assert.NotNull(await inbox.GetAsync(twice, CancellationToken.None));

        // The log still lists the failed attempts, but the sweep now starts from its last run (less the overlap), and
        // FinGuard holds the one attempt in that range: nothing more to ask for.
        var second = await RunSweepAsync();

        Assert.Contains("asked GitHub to redeliver 0; 1 already stored; 0 refused", second, StringComparison.Ordinal);
        Assert.Equal(2, github.FindRequests("POST", "/app/hook/deliveries/{delivery_id}/attempts").Count);
        github.AssertAllRequestsExistInOpenApi();
    }
}
