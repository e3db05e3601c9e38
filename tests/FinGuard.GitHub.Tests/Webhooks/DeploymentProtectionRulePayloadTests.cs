using System.Text.Json;
using System.Text.Json.Nodes;
using FinGuard.GitHub.Webhooks;

namespace FinGuard.GitHub.Tests.Webhooks;

/// <summary>
/// <c>deployment_protection_rule</c> has no example in <c>@octokit/webhooks-examples</c> 7.6.1, and
/// <c>@octokit/openapi</c> has no webhook examples, so Payloads/deployment_protection_rule.requested.json was
/// written by hand from GitHub's documentation of the event
/// (https://docs.github.com/en/webhooks/webhook-events-and-payloads#deployment_protection_rule and the
/// "Creating custom deployment protection rules" guide) and the <c>deployment_protection_rule$requested</c> definition of <c>@octokit/webhooks-schemas</c> 7.6.1.
/// Its repository, organization, installation, sender and pull request objects are the ones from the
/// <c>pull_request</c> <c>opened</c> example (Codertocat/Hello-World, PR #2), and its deployment object follows the
/// <c>deployment</c> example, re-pointed at that pull request's head SHA and ref with the
/// <c>…/actions/runs/{run_id}/deployment_protection_rule</c> callback URL GitHub documents.
/// These tests check the file against the schema so it cannot drift from what GitHub sends.
/// </summary>
public sealed class DeploymentProtectionRulePayloadTests
{
    private const string Definition = "deployment_protection_rule$requested";

    private static readonly Lazy<JsonSchemaCheck> Schema = new(() =>
    {
        var path = Path.Combine(WebhookExampleCorpus.RepositoryRoot, "node_modules", "@octokit", "webhooks-schemas", "schema.json");
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        return new JsonSchemaCheck(document.RootElement.Clone());
    });

    private static byte[] PayloadBytes() =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Webhooks", "Payloads", "deployment_protection_rule.requested.json"));

    [Fact]
    public void Payload_file_conforms_to_the_webhooks_schema()
    {
        using var document = JsonDocument.Parse(PayloadBytes());

        var errors = Schema.Value.Validate(document.RootElement, Definition);

        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("$.deployment.sha", "required property 'sha' is missing")]
    [InlineData("$.repository", "required property 'repository' is missing")]
    [InlineData("$.pull_requests[0].head.ref", "required property 'ref' is missing")]
    [InlineData("$.installation.node_id", "required property 'node_id' is missing")]
    public void Schema_check_reports_a_removed_required_property(string removed, string expected)
    {
        var node = JsonNode.Parse(PayloadBytes())!;
        var parentPath = removed[..removed.LastIndexOf('.')];
        var parent = parentPath == "$" ? node : Navigate(node, parentPath);
        parent.AsObject().Remove(removed[(removed.LastIndexOf('.') + 1)..]);

        var errors = Schema.Value.Validate(JsonSerializer.SerializeToElement(node), Definition);

        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Schema_check_reports_a_wrong_basic_type()
    {
        var node = JsonNode.Parse(PayloadBytes())!;
        node["deployment"]!["id"] = "1121983254";
        node["pull_requests"]![0]!["draft"] = "false";

        var errors = Schema.Value.Validate(JsonSerializer.SerializeToElement(node), Definition);

        Assert.Contains(errors, e => e.StartsWith("$.deployment.id: expected \"integer\"", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("$.pull_requests[0].draft: expected \"boolean\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Payload_file_parses_with_the_deployment_and_pull_request_FinGuard_gates_on()
    {
        var result = WebhookPayloadParser.Parse(WebhookEvents.DeploymentProtectionRule, PayloadBytes());

        Assert.True(result.IsParsed, result.Error);
        var payload = Assert.IsType<DeploymentProtectionRulePayload>(result.Payload);
        Assert.Equal("requested", payload.Action);
        Assert.Equal("production", payload.Environment);
        Assert.Equal("pull_request", payload.Event);
        Assert.Equal(
            new Uri("https://api.github.com/repos/Codertocat/Hello-World/actions/runs/5453085689/deployment_protection_rule"),
            payload.DeploymentCallbackUrl);

        Assert.NotNull(payload.Deployment);
        Assert.Equal(1121983254, payload.Deployment.Id);
        Assert.Equal("ec26c3e57ca3a959ca5aad62de7213c562f8c821", payload.Deployment.Sha);
        Assert.Equal("changes", payload.Deployment.Ref);
        Assert.Equal("production", payload.Deployment.Environment);
        Assert.Equal("deploy", payload.Deployment.Task);
        Assert.True(payload.Deployment.ProductionEnvironment);
        Assert.Equal("Codertocat", payload.Deployment.Creator?.Login);
        Assert.Equal(new DateTimeOffset(2024, 3, 12, 9, 41, 27, TimeSpan.Zero), payload.Deployment.CreatedAt);

        var pullRequest = Assert.Single(payload.PullRequests!);
        Assert.Equal(2, pullRequest.Number);
        Assert.Equal(payload.Deployment.Sha, pullRequest.Head.Sha);
        Assert.Equal("changes", pullRequest.Head.Ref);
        Assert.Equal("master", pullRequest.Base.Ref);
        Assert.Equal(["bug"], pullRequest.Labels!.Select(l => l.Name));

        Assert.Equal("Codertocat/Hello-World", payload.Repository?.FullName);
        Assert.Equal("Octocoders", payload.Organization?.Login);
        Assert.Equal(1, payload.Installation?.Id);
        Assert.Equal("Codertocat", payload.Sender?.Login);

        // Unmodelled fields are kept.
        Assert.Equal("production", payload.Deployment.OriginalEnvironment);
        Assert.Equal("DE_kwDOCsdQJ84Q4BkW", payload.Deployment.ExtensionData!["node_id"].GetString());
        Assert.Equal(JsonValueKind.Object, payload.Deployment.ExtensionData["payload"].ValueKind);
    }

    [Fact]
    public void Payload_file_round_trips_every_field()
    {
        var bytes = PayloadBytes();
        using var document = JsonDocument.Parse(bytes);
        var payload = WebhookPayloadParser.Parse(WebhookEvents.DeploymentProtectionRule, bytes).Payload!;

        var reserialised = JsonSerializer.SerializeToElement(payload, payload.GetType(), WebhookJsonContext.Default);

        RawJson.AssertContainsEverything(document.RootElement, reserialised);
    }

    private static JsonNode Navigate(JsonNode root, string path)
    {
        var node = root;
        foreach (var segment in path.TrimStart('$', '.').Split('.'))
        {
            var bracket = segment.IndexOf('[', StringComparison.Ordinal);
            if (bracket < 0)
            {
                node = node[segment]!;
            }
            else
            {
                node = node[segment[..bracket]]![int.Parse(segment[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture)]!;
            }
        }

        return node;
    }
}
