using System.Text;
using System.Text.Json.Nodes;
using FinGuard.GitHub.Webhooks;

namespace FinGuard.GitHub.Tests.Webhooks;

/// <summary>The parser never throws on a body: anything that is not a valid payload is <see cref="WebhookParseStatus.MalformedJson"/>.</summary>
public sealed class WebhookPayloadParserMalformedTests
{
    private const string MinimalPullRequest = """
        {"action":"opened","number":7,
         "pull_request":{"number":7,"head":{"ref":"feature","sha":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
                                    "base":{"ref":"main","sha":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}},
         "repository":{"id":1,"name":"repo","full_name":"octo/repo"}}
        """;

    public static TheoryData<string, string> NotAPayload => new()
    {
        { "empty body", "" },
        { "whitespace", "  \n " },
        { "JSON null", "null" },
        { "top-level array", "[]" },
        { "array of the payload", $"[{MinimalPullRequest}]" },
        { "top-level string", "\"pull_request\"" },
        { "top-level number", "42" },
        { "top-level true", "true" },
        { "truncated object", "{\"action\":\"opened\",\"number\":" },
        { "truncated string", "{\"action\":\"ope" },
        { "unclosed object", "{" },
        { "trailing garbage", MinimalPullRequest + "}" },
        { "two documents", MinimalPullRequest + MinimalPullRequest },
        { "single quotes", "{'action':'opened'}" },
        { "comment", "/* hi */" + MinimalPullRequest },
        { "trailing comma", "{\"action\":\"opened\",}" },
        { "number as string", MinimalPullRequest.Replace("\"number\":7,\n", "\"number\":\"7\",\n", StringComparison.Ordinal) },
        { "number with fraction", MinimalPullRequest.Replace("\"number\":7,\n", "\"number\":7.5,\n", StringComparison.Ordinal) },
        { "number overflowing int", MinimalPullRequest.Replace("\"number\":7,\n", "\"number\":99999999999,\n", StringComparison.Ordinal) },
        { "repository id as string", MinimalPullRequest.Replace("\"id\":1,", "\"id\":\"1\",", StringComparison.Ordinal) },
        { "object where string expected", MinimalPullRequest.Replace("\"action\":\"opened\"", "\"action\":{}", StringComparison.Ordinal) },
        { "string where object expected", MinimalPullRequest.Replace("\"repository\":{\"id\":1,\"name\":\"repo\",\"full_name\":\"octo/repo\"}", "\"repository\":\"octo/repo\"", StringComparison.Ordinal) },
        { "array where object expected", MinimalPullRequest.Replace("\"repository\":{\"id\":1,\"name\":\"repo\",\"full_name\":\"octo/repo\"}", "\"repository\":[]", StringComparison.Ordinal) },
        { "missing required pull_request", "{\"action\":\"opened\",\"number\":7}" },
        { "missing required head sha", MinimalPullRequest.Replace(",\"sha\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"", "", StringComparison.Ordinal) },
        { "null required full_name", MinimalPullRequest.Replace("\"full_name\":\"octo/repo\"", "\"full_name\":null", StringComparison.Ordinal) },
        { "null required number", MinimalPullRequest.Replace("\"number\":7,\n", "\"number\":null,\n", StringComparison.Ordinal) },
        { "timestamp not a date", MinimalPullRequest.Replace("\"number\":7,\"head\"", "\"number\":7,\"merged_at\":\"yesterday\",\"head\"", StringComparison.Ordinal) },
        { "timestamp as boolean", MinimalPullRequest.Replace("\"number\":7,\"head\"", "\"number\":7,\"merged_at\":true,\"head\"", StringComparison.Ordinal) },
        { "url not a url", MinimalPullRequest.Replace("\"number\":7,\"head\"", "\"number\":7,\"html_url\":\"http://[::1\",\"head\"", StringComparison.Ordinal) },
        { "deeply nested unknown field", MinimalPullRequest.Replace("{\"action\"", "{\"unknown\":" + new string('[', 10_000) + new string(']', 10_000) + ",\"action\"", StringComparison.Ordinal) },
    };

    [Theory]
    [MemberData(nameof(NotAPayload))]
    public void Body_that_is_not_a_pull_request_payload_is_malformed_json(string description, string body)
    {
        var result = WebhookPayloadParser.Parse(WebhookEvents.PullRequest, Encoding.UTF8.GetBytes(body));

        Assert.Equal(WebhookParseStatus.MalformedJson, result.Status);
        Assert.False(result.IsParsed, description);
        Assert.Null(result.Payload);
        Assert.False(string.IsNullOrWhiteSpace(result.Error));
        Assert.Contains("'pull_request'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Minimal_payload_used_by_the_malformed_cases_is_itself_valid()
    {
        var result = WebhookPayloadParser.Parse(WebhookEvents.PullRequest, Encoding.UTF8.GetBytes(MinimalPullRequest));

        Assert.True(result.IsParsed, result.Error);
        var payload = Assert.IsType<PullRequestPayload>(result.Payload);
        Assert.Equal(7, payload.Number);
        Assert.Equal("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", payload.PullRequest.Head.Sha);
        Assert.Null(payload.PullRequest.Merged);
        Assert.Null(payload.PullRequest.Labels);
        Assert.Null(payload.Installation);
        Assert.Null(payload.ExtensionData);
    }

    [Fact]
    public void Error_names_the_path_and_line_of_a_wrong_type()
    {
        var body = "{\n  \"action\": \"opened\",\n  \"number\": \"seven\"\n}";

        var result = WebhookPayloadParser.Parse(WebhookEvents.PullRequest, Encoding.UTF8.GetBytes(body));

        Assert.Equal(WebhookParseStatus.MalformedJson, result.Status);
        Assert.Contains("$.number", result.Error, StringComparison.Ordinal);
        Assert.Contains("line 3", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("seven", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Error_does_not_echo_the_body()
    {
        const string sensitive = "ghs_this-token-must-never-reach-a-log";
        var body = $"{{\"action\":\"{sensitive}\",\"zen\":\"{sensitive}\",\"hook_id\":\"not a number\"}}";

        var result = WebhookPayloadParser.Parse(WebhookEvents.Ping, Encoding.UTF8.GetBytes(body));

        Assert.Equal(WebhookParseStatus.MalformedJson, result.Status);
        Assert.DoesNotContain(sensitive, result.Error, StringComparison.Ordinal);
        Assert.Contains("$.hook_id", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_UTF8_is_malformed_json()
    {
        byte[] body = [.. "{\"action\":\""u8, 0xC3, 0x28, .. "\",\"zen\":\"x\"}"u8];

        var result = WebhookPayloadParser.Parse(WebhookEvents.Ping, body);

        Assert.Equal(WebhookParseStatus.MalformedJson, result.Status);
        Assert.Contains("UTF-8", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_supported_event_rejects_null_and_arrays()
    {
        foreach (var eventName in WebhookEvents.Supported)
        {
            foreach (var body in (string[])["null", "[]", "[{}]", "\"x\"", "0", "{"])
            {
                var result = WebhookPayloadParser.Parse(eventName, Encoding.UTF8.GetBytes(body));

                Assert.True(result.Status == WebhookParseStatus.MalformedJson, $"{eventName} with {body}: {result}");
            }
        }
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(20240312);
        var supported = WebhookEvents.Supported.ToArray();
        for (var i = 0; i < 2_000; i++)
        {
            var body = new byte[random.Next(0, 512)];
            random.NextBytes(body);
            if (i % 2 == 0 && body.Length > 0)
            {
                body[0] = (byte)'{';
            }

            var result = WebhookPayloadParser.Parse(supported[i % supported.Length], body);

            Assert.Equal(WebhookParseStatus.MalformedJson, result.Status);
        }
    }

    [Fact]
    public void Corrupted_real_payloads_never_throw()
    {
        // Flip, drop or truncate bytes of real examples: the result may still parse (a changed string), but must
        // never be an exception.
        var random = new Random(7);
        foreach (var eventName in WebhookExampleCorpus.EventsWithExamples().Where(WebhookEvents.Supported.Contains))
        {
            foreach (var example in WebhookExampleCorpus.All(eventName))
            {
                var original = Encoding.UTF8.GetBytes(example);
                for (var attempt = 0; attempt < 20; attempt++)
                {
                    var body = Corrupt(original, random);

                    var result = WebhookPayloadParser.Parse(eventName, body);

                    Assert.True(
                        result.Status is WebhookParseStatus.Parsed or WebhookParseStatus.MalformedJson,
                        $"{eventName}: {result}");
                    Assert.Equal(result.Status == WebhookParseStatus.Parsed, result.Payload is not null);
                }
            }
        }
    }

    [Fact]
    public void Truncating_a_real_payload_anywhere_is_malformed_json()
    {
        var original = Encoding.UTF8.GetBytes(WebhookExampleCorpus.Get(WebhookEvents.CheckRun, 0).Trim());
        for (var length = 0; length < original.Length; length += 7)
        {
            var result = WebhookPayloadParser.Parse(WebhookEvents.CheckRun, original.AsSpan(0, length));

            Assert.True(result.Status == WebhookParseStatus.MalformedJson, $"length {length}: {result}");
        }
    }

    [Theory]
    [InlineData("deployment")]
    [InlineData("issues")]
    [InlineData("Pull_Request")]
    [InlineData("pull_request ")]
    [InlineData("")]
    public void Unsupported_event_is_unknown_without_reading_the_body(string eventName)
    {
        var result = WebhookPayloadParser.Parse(eventName, "this is not JSON at all"u8);

        Assert.Equal(WebhookParseStatus.UnknownEvent, result.Status);
        Assert.Equal(eventName, result.EventName);
        Assert.Null(result.Payload);
        Assert.NotNull(result.Error);
    }

    [Fact]
    public void Supported_events_are_the_thirteen_FinGuard_handles()
    {
        Assert.Equal(
            new[]
            {
                "check_run", "check_suite", "deployment_protection_rule", "deployment_review", "deployment_status", "installation",
                "installation_repositories", "merge_group", "ping", "pull_request", "pull_request_review", "push", "workflow_run",
            },
            WebhookEvents.Supported.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void New_values_and_unknown_fields_survive()
    {
        var node = JsonNode.Parse(MinimalPullRequest)!;
        node["action"] = "some_future_action";
        node["pull_request"]!["state"] = "some_future_state";
        node["pull_request"]!["brand_new_field"] = new JsonObject { ["nested"] = 1 };
        node["brand_new_top_level"] = new JsonArray(1, 2, 3);

        var result = WebhookPayloadParser.Parse(WebhookEvents.PullRequest, Encoding.UTF8.GetBytes(node.ToJsonString()));

        Assert.True(result.IsParsed, result.Error);
        var payload = Assert.IsType<PullRequestPayload>(result.Payload);
        Assert.Equal("some_future_action", payload.Action);
        Assert.Equal("some_future_state", payload.PullRequest.State);
        Assert.Equal(1, payload.PullRequest.ExtensionData!["brand_new_field"].GetProperty("nested").GetInt32());
        Assert.Equal(3, payload.ExtensionData!["brand_new_top_level"].GetArrayLength());
    }

    [Fact]
    public void Timestamps_may_be_iso_strings_unix_seconds_or_null()
    {
        const string template = """
            {"action":"submitted",
             "review":{"id":1,"state":"approved","submitted_at":SUBMITTED},
             "pull_request":{"number":7,"merged_at":MERGED,"head":{"ref":"f","sha":"a"},"base":{"ref":"main","sha":"b"}}}
            """;
        var body = template
            .Replace("SUBMITTED", "1557933638", StringComparison.Ordinal)
            .Replace("MERGED", "\"2019-05-15T15:20:38+02:00\"", StringComparison.Ordinal);

        var result = WebhookPayloadParser.Parse(WebhookEvents.PullRequestReview, Encoding.UTF8.GetBytes(body));

        Assert.True(result.IsParsed, result.Error);
        var payload = Assert.IsType<PullRequestReviewPayload>(result.Payload);
        Assert.Equal(new DateTimeOffset(2019, 5, 15, 15, 20, 38, TimeSpan.Zero), payload.Review.SubmittedAt);
        Assert.Equal(new DateTimeOffset(2019, 5, 15, 13, 20, 38, TimeSpan.Zero), payload.PullRequest.MergedAt);

        var withNulls = template.Replace("SUBMITTED", "null", StringComparison.Ordinal).Replace("MERGED", "null", StringComparison.Ordinal);
        var nullResult = WebhookPayloadParser.Parse(WebhookEvents.PullRequestReview, Encoding.UTF8.GetBytes(withNulls));
        Assert.True(nullResult.IsParsed, nullResult.Error);
        Assert.Null(((PullRequestReviewPayload)nullResult.Payload).Review.SubmittedAt);
    }

    [Fact]
    public void Deleted_fork_head_repo_and_deleted_reviewer_are_null_not_errors()
    {
        var body = """
            {"action":"submitted",
             "review":{"id":1,"user":null,"state":"approved","commit_id":"a","body":null},
             "pull_request":{"number":7,"user":null,"head":{"ref":"f","sha":"a","repo":null},"base":{"ref":"main","sha":"b","repo":null}},
             "repository":{"id":1,"name":"repo","full_name":"octo/repo","owner":null,"default_branch":null,"private":null},
             "installation":{"id":5},"organization":null,"sender":null}
            """;

        var result = WebhookPayloadParser.Parse(WebhookEvents.PullRequestReview, Encoding.UTF8.GetBytes(body));

        Assert.True(result.IsParsed, result.Error);
        var payload = Assert.IsType<PullRequestReviewPayload>(result.Payload);
        Assert.Null(payload.Review.User);
        Assert.Null(payload.PullRequest.Head.Repo);
        Assert.Equal(5, payload.Installation?.Id);
    }

    internal static byte[] Corrupt(byte[] original, Random random)
    {
        var body = (byte[])original.Clone();
        switch (random.Next(3))
        {
            case 0:
                for (var i = 0; i < 1 + random.Next(4); i++)
                {
                    body[random.Next(body.Length)] = (byte)random.Next(256);
                }

                return body;
            case 1:
                var drop = random.Next(body.Length);
                return [.. body.AsSpan(0, drop), .. body.AsSpan(drop + 1)];
            default:
                return body[..random.Next(body.Length)];
        }
    }
}
