using System.Text.Json.Nodes;
using FinGuard.GitHub.Webhooks;
using FinGuard.Hosting;
using FinGuard.Processing;
using FinGuard.Setup;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Tests.Infrastructure;
using FinGuard.Webhooks;

namespace FinGuard.Tests.Packaging;

/// <summary>
/// <c>app-manifest/finguard.json</c> asks for exactly the least-privilege permissions and subscribes to exactly the
/// events FinGuard handles: every event handler's event is subscribed (or always delivered), and every subscribed event
/// has a handler or is listed in <see cref="AcknowledgedWithoutWork"/>.
/// </summary>
public sealed class AppManifestTests
{
    /// <summary>
    /// Subscribed and parsed (<see cref="WebhookEvents.Supported"/>), but no <see cref="IDeliveryHandler"/> takes them
    /// yet: the worker completes them without work. <b>When a handler for one of these lands, remove it from this set</b> —
    /// <see cref="Acknowledged_without_work_lists_only_events_no_handler_takes"/> fails until you do.
    /// </summary>
    public static readonly IReadOnlySet<string> AcknowledgedWithoutWork = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>GitHub sends these to every App without a subscription; a manifest cannot subscribe to them.</summary>
    public static readonly IReadOnlySet<string> AlwaysDelivered = new HashSet<string>(StringComparer.Ordinal)
    {
        WebhookEvents.Ping,
        WebhookEvents.Installation,
        WebhookEvents.InstallationRepositories,
    };

    /// <summary>The least privilege FinGuard needs (app-manifest/README.md says why for each).</summary>
    private static readonly Dictionary<string, string> ExpectedPermissions = new(StringComparer.Ordinal)
    {
        ["actions"] = "read",
        ["checks"] = "write",
        ["contents"] = "read",
        ["deployments"] = "write",
        ["members"] = "read",
        ["merge_queues"] = "read",
        ["metadata"] = "read",
        ["pull_requests"] = "read",
    };

    /// <summary>The permission GitHub requires before an App may subscribe to an event.</summary>
    private static readonly Dictionary<string, string> PermissionForEvent = new(StringComparer.Ordinal)
    {
        [WebhookEvents.PullRequest] = "pull_requests",
        [WebhookEvents.PullRequestReview] = "pull_requests",
        [WebhookEvents.CheckRun] = "checks",
        [WebhookEvents.CheckSuite] = "checks",
        [WebhookEvents.WorkflowRun] = "actions",
        [WebhookEvents.DeploymentProtectionRule] = "deployments",
        [WebhookEvents.DeploymentReview] = "deployments",
        [WebhookEvents.MergeGroup] = "merge_queues",
        [WebhookEvents.Push] = "contents",
        [WebhookEvents.DeploymentStatus] = "deployments",
    };

    private static JsonObject Manifest() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "app-manifest", "finguard.json")))!.AsObject();

    private static HashSet<string> SubscribedEvents() =>
        Manifest()["default_events"]!.AsArray().Select(e => (string)e!).ToHashSet(StringComparer.Ordinal);

    private static HashSet<string> HandledEvents()
    {
        var folder = TempDirectory.Create();
        var app = FinGuardApp.Build([$"--Storage:LocalPath={folder}", "--Logging:LogLevel:Default=None"]);
        try
        {
            using var scope = app.Services.CreateScope();
            return scope.ServiceProvider.GetServices<IDeliveryHandler>().SelectMany(h => h.Events).ToHashSet(StringComparer.Ordinal);
        }
        finally
        {
            ((IDisposable)app).Dispose();
            TempDirectory.Delete(folder);
        }
    }

    [Fact]
    public void Asks_for_exactly_the_least_privilege_permissions()
    {
        var permissions = Manifest()["default_permissions"]!.AsObject().ToDictionary(p => p.Key, p => (string)p.Value!);

        Assert.Equal(ExpectedPermissions.OrderBy(p => p.Key), permissions.OrderBy(p => p.Key));
    }

    [Fact]
    public void Is_a_private_app_with_an_active_webhook_at_the_paths_finguard_serves()
    {
        var manifest = Manifest();

        Assert.False(manifest["public"]!.GetValue<bool>());
        Assert.True(manifest["hook_attributes"]!["active"]!.GetValue<bool>());
        Assert.Equal(WebhookEndpoints.Path, new Uri((string)manifest["hook_attributes"]!["url"]!).AbsolutePath);
        Assert.Equal(SetupEndpoints.CallbackPath, new Uri((string)manifest["redirect_url"]!).AbsolutePath);
        Assert.Equal(SetupEndpoints.InstalledPath, new Uri((string)manifest["setup_url"]!).AbsolutePath);
        Assert.False(string.IsNullOrWhiteSpace((string?)manifest["name"]));
    }

    [Fact]
    public void Every_handlers_event_is_subscribed_or_always_delivered()
    {
        var subscribed = SubscribedEvents();

        var missing = HandledEvents().Where(e => !subscribed.Contains(e) && !AlwaysDelivered.Contains(e)).ToList();

        Assert.True(missing.Count == 0, $"Handled but not subscribed in app-manifest/finguard.json default_events: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Every_subscribed_event_is_handled_or_acknowledged_without_work()
    {
        var handled = HandledEvents();

        var uncovered = SubscribedEvents().Where(e => !handled.Contains(e) && !AcknowledgedWithoutWork.Contains(e)).ToList();

        Assert.True(uncovered.Count == 0,
            $"Subscribed, but no IDeliveryHandler takes it and it is not in {nameof(AcknowledgedWithoutWork)}: {string.Join(", ", uncovered)}");
    }

    [Fact]
    public void Acknowledged_without_work_lists_only_events_no_handler_takes()
    {
        var stale = HandledEvents().Intersect(AcknowledgedWithoutWork).ToList();

        Assert.True(stale.Count == 0, $"A handler now takes {string.Join(", ", stale)}: remove it from {nameof(AcknowledgedWithoutWork)}.");
    }

    [Fact]
    public void Subscribes_to_exactly_the_supported_events_github_lets_an_app_subscribe_to()
    {
        var subscribed = SubscribedEvents();

        // Subscribed but not parsed: the ingress would acknowledge and drop them ("ignored").
        Assert.Empty(subscribed.Except(WebhookEvents.Supported));
        // Parsed but never delivered: neither subscribed nor always delivered.
        Assert.Empty(WebhookEvents.Supported.Except(subscribed).Except(AlwaysDelivered));
        // Always-delivered events cannot be subscribed to.
        Assert.Empty(subscribed.Intersect(AlwaysDelivered));
    }

    [Fact]
    public void Every_subscribed_event_has_the_permission_github_requires_for_it()
    {
        var permissions = Manifest()["default_permissions"]!.AsObject();

        foreach (var subscribed in SubscribedEvents())
        {
            Assert.True(PermissionForEvent.TryGetValue(subscribed, out var permission), $"No known permission for event {subscribed}; add it to {nameof(PermissionForEvent)}.");
            Assert.True(permissions.ContainsKey(permission), $"Event {subscribed} needs the '{permission}' permission.");
        }
    }
}
