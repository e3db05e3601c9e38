using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FinGuard.Testing.FakeGitHub;
using Microsoft.Extensions.Time.Testing;
using Xunit.Sdk;

namespace FinGuard.GitHub.Tests.FakeGitHub;

public sealed partial class FakeGitHubServerTests
{
    private static readonly DateTimeOffset Start = new(2025, 6, 2, 9, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task StartAsync_listens_on_loopback_with_a_base_address_ending_in_a_slash()
    {
        await using var server = await FakeGitHubServer.StartAsync();

        Assert.Equal("127.0.0.1", server.BaseAddress.Host);
        Assert.NotEqual(0, server.BaseAddress.Port);
        Assert.EndsWith("/", server.BaseAddress.AbsoluteUri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RespondJson_answers_the_exact_path_with_status_headers_and_json_body()
    {
        await using var server = await FakeGitHubServer.StartAsync();
        server.RespondJson("GET", "/repos/octo/app/pulls/1", """{"number":1}""", 200, new Dictionary<string, string> { ["ETag"] = "\"abc\"" });
        using var client = CreateClient(server);

        using var response = await client.GetAsync("repos/octo/app/pulls/1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("\"abc\"", response.Headers.ETag?.Tag);
        Assert.Equal("""{"number":1}""", await response.Content.ReadAsStringAsync());
        var recorded = Assert.Single(server.Requests);
        Assert.Equal("/repos/octo/app/pulls/1", recorded.Route);
        Assert.Equal("/repos/{owner}/{repo}/pulls/{pull_number}", recorded.OpenApiTemplate);
    }

    [Fact]
    public async Task Every_request_is_recorded_with_method_path_query_headers_and_body()
    {
        await using var server = await FakeGitHubServer.StartAsync();
        server.RespondJson("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "{}", 201);
        using var client = CreateClient(server);
        using var content = new StringContent("""{"body":"hi"}""", Encoding.UTF8, "application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "repos/octo/app/issues/5/comments?x=1") { Content = content };
        request.Headers.Add("X-GitHub-Api-Version", "2022-11-28");

        using var response = await client.SendAsync(request);

        var recorded = Assert.Single(server.Requests);
        Assert.Equal("POST", recorded.Method);
        Assert.Equal("/repos/octo/app/issues/5/comments", recorded.Path);
        Assert.Equal("?x=1", recorded.QueryString);
        Assert.Equal("1", recorded.Query["x"]);
        Assert.Equal("2022-11-28", recorded.Header("x-github-api-version"));
        Assert.Equal("""{"body":"hi"}""", recorded.Body);
        Assert.Equal("5", recorded.RouteValues["issue_number"]);
        Assert.Equal("/repos/{owner}/{repo}/issues/{issue_number}/comments", recorded.OpenApiTemplate);
    }

    [Fact]
    public async Task RespondPaged_serves_pages_with_GitHub_Link_headers_that_a_client_can_follow()
    {
        await using var server = await FakeGitHubServer.StartAsync();
        server.RespondPaged("GET", "/repos/octo/app/pulls/1/commits", ["""[{"sha":"a"},{"sha":"b"}]""", """[{"sha":"c"},{"sha":"d"}]""", """[{"sha":"e"}]"""]);
        using var client = CreateClient(server);

        var shas = new List<string>();
        var links = new List<Dictionary<string, Uri>>();
        Uri? next = new(server.BaseAddress, "repos/octo/app/pulls/1/commits?per_page=2");
        while (next is not null)
        {
            using var response = await client.GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray();
            shas.AddRange(page.Select(c => c!["sha"]!.GetValue<string>()));
            var rels = ParseLink(response);
            links.Add(rels);
            next = rels.GetValueOrDefault("next");
        }

        Assert.Equal(["a", "b", "c", "d", "e"], shas);
        Assert.Equal(3, links.Count);
        Assert.Equal(["next", "last"], links[0].Keys);
        Assert.Equal(["prev", "next", "last", "first"], links[1].Keys);
        Assert.Equal(["prev", "first"], links[2].Keys);
        Assert.Equal(new Uri(server.BaseAddress, "repos/octo/app/pulls/1/commits?per_page=2&page=2"), links[0]["next"]);
        Assert.Equal(new Uri(server.BaseAddress, "repos/octo/app/pulls/1/commits?per_page=2&page=3"), links[0]["last"]);
        Assert.Equal(new Uri(server.BaseAddress, "repos/octo/app/pulls/1/commits?per_page=2&page=1"), links[2]["first"]);
        Assert.All(server.Requests, r => Assert.Equal("/repos/{owner}/{repo}/pulls/{pull_number}/commits", r.OpenApiTemplate));
        server.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task RespondPaged_returns_an_empty_array_past_the_last_page_and_no_Link_for_a_single_page()
    {
        await using var server = await FakeGitHubServer.StartAsync();
        server.RespondPaged("GET", "/repos/octo/app/pulls/1/reviews", ["""[{"id":1}]"""]);
        using var client = CreateClient(server);

        using var first = await client.GetAsync("repos/octo/app/pulls/1/reviews");
        using var beyond = await client.GetAsync("repos/octo/app/pulls/1/reviews?page=4");

        Assert.False(first.Headers.Contains("Link"));
        Assert.Equal("""[{"id":1}]""", await first.Content.ReadAsStringAsync());
        Assert.Equal("[]", await beyond.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Routes_with_matching_query_constraints_win_and_later_registrations_override_earlier_ones()
    {
        await using var server = await FakeGitHubServer.StartAsync();
        server.RespondJson("GET", "/repos/octo/app/pulls?state=closed", """["closed"]""");
        server.RespondJson("GET", "/repos/octo/app/pulls", """["first"]""");
        server.RespondJson("GET", "/repos/octo/app/pulls", """["second"]""");
        using var client = CreateClient(server);

        Assert.Equal("""["closed"]""", await client.GetStringAsync("repos/octo/app/pulls?per_page=100&state=closed"));
        Assert.Equal("""["second"]""", await client.GetStringAsync("repos/octo/app/pulls?state=open"));
    }

    [Fact]
    public async Task Unmatched_request_gets_GitHub_404_json_and_is_recorded_as_unmatched()
    {
        await using var server = await FakeGitHubServer.StartAsync();
        using var client = CreateClient(server);

        using var response = await client.GetAsync("repos/octo/app/not-a-thing?x=1");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("Not Found", body["message"]!.GetValue<string>());
        Assert.StartsWith("https://docs.github.com/", body["documentation_url"]!.GetValue<string>(), StringComparison.Ordinal);
        var unmatched = Assert.Single(server.UnmatchedRequests);
        Assert.Equal("/repos/octo/app/not-a-thing", unmatched.Path);
        Assert.False(unmatched.IsMatched);
        Assert.Null(unmatched.OpenApiTemplate);
        var failure = Assert.ThrowsAny<XunitException>(server.AssertNoUnmatchedRequests);
        Assert.Contains("GET /repos/octo/app/not-a-thing?x=1", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssertAllRequestsExistInOpenApi_names_requests_that_are_not_GitHub_operations_and_the_spec_version()
    {
        await using var server = await FakeGitHubServer.StartAsync();
        server.RespondJson("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/commits", "[]");
        server.RespondJson("DELETE", "/repos/{owner}/{repo}/pulls/{pull_number}/commits", "{}");
        using var client = CreateClient(server);

        (await client.GetAsync("repos/o/r/pulls/1/commits")).Dispose();
        (await client.GetAsync("repos/o/r/not-a-thing")).Dispose();
        (await client.DeleteAsync("repos/o/r/pulls/1/commits")).Dispose();

        var failure = Assert.ThrowsAny<XunitException>(server.AssertAllRequestsExistInOpenApi);
        Assert.Contains("2 request(s)", failure.Message, StringComparison.Ordinal);
        Assert.Contains("GET /repos/o/r/not-a-thing", failure.Message, StringComparison.Ordinal);
        Assert.Contains("DELETE /repos/o/r/pulls/1/commits", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("GET /repos/o/r/pulls/1/commits", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"@octokit/openapi {GitHubOpenApi.Default.Version}", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enterprise_api_v3_prefix_is_stripped_and_kept_in_Link_headers()
    {
        await using var server = await FakeGitHubServer.StartAsync();
        server.RespondPaged("GET", "/repos/octo/app/pulls/1/commits", ["[1]", "[2]"]);
        using var client = CreateClient(server);

        using var response = await client.GetAsync("api/v3/repos/octo/app/pulls/1/commits");

        var recorded = Assert.Single(server.Requests);
        Assert.Equal("/repos/octo/app/pulls/1/commits", recorded.Path);
        Assert.True(recorded.IsMatched);
        Assert.Equal(new Uri(server.BaseAddress, "api/v3/"), recorded.BaseAddress);
        Assert.Equal(new Uri(server.BaseAddress, "api/v3/repos/octo/app/pulls/1/commits?page=2"), ParseLink(response)["next"]);
        server.AssertAllRequestsExistInOpenApi();
    }

    [Fact]
    public async Task RespondJsonFile_serves_the_file_content()
    {
        await using var server = await FakeGitHubServer.StartAsync();
        var file = Path.Combine(Path.GetTempPath(), $"finguard-fake-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """{"login":"octocat"}""");
        try
        {
            server.RespondJsonFile("GET", "/users/octocat", file);
            using var client = CreateClient(server);

            Assert.Equal("""{"login":"octocat"}""", await client.GetStringAsync("users/octocat"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Async_responder_can_hold_a_response_back()
    {
        await using var server = await FakeGitHubServer.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Respond("GET", "/rate_limit", async (_, cancellationToken) =>
        {
            await release.Task.WaitAsync(cancellationToken);
            return FakeResponse.Json("{}");
        });
        using var client = CreateClient(server);

        var pending = client.GetAsync("rate_limit");
        await Task.Delay(50);
        Assert.False(pending.IsCompleted);
        release.SetResult();
        using var response = await pending;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Installation_token_endpoint_issues_numbered_tokens_expiring_in_an_hour_of_server_time()
    {
        var time = new FakeTimeProvider(Start);
        await using var server = await FakeGitHubServer.StartAsync(time);
        using var client = CreateClient(server);

        using var first = await PostWithBearerAsync(client, "app/installations/7/access_tokens", "aaa.bbb.ccc");
        using var second = await PostWithBearerAsync(client, "app/installations/8/access_tokens", "aaa.bbb.ccc");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var body = JsonNode.Parse(await first.Content.ReadAsStringAsync())!;
        Assert.Equal("ghs_fake_7_1", body["token"]!.GetValue<string>());
        Assert.Equal("2025-06-02T10:30:00Z", body["expires_at"]!.GetValue<string>());
        Assert.Equal("ghs_fake_8_2", JsonNode.Parse(await second.Content.ReadAsStringAsync())!["token"]!.GetValue<string>());
        server.AssertAllRequestsExistInOpenApi();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("token ghs_abc")]
    [InlineData("Bearer not-a-jwt")]
    [InlineData("Bearer a..c")]
    public async Task Installation_token_endpoint_requires_a_bearer_JWT(string? authorization)
    {
        await using var server = await FakeGitHubServer.StartAsync();
        using var client = CreateClient(server);
        using var request = new HttpRequestMessage(HttpMethod.Post, "app/installations/7/access_tokens");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.NotNull(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["message"]);
    }

    [Fact]
    public async Task Check_runs_are_created_updated_and_listed_by_ref_with_external_id()
    {
        var time = new FakeTimeProvider(Start);
        await using var server = await FakeGitHubServer.StartAsync(time);
        using var client = CreateClient(server);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "ghs_fake_1_1");

        using var created = await SendJsonAsync(client, HttpMethod.Post, "repos/octo/app/check-runs",
            """{"name":"FinGuard","head_sha":"abc123","external_id":"finguard:abc123","status":"in_progress"}""");
        using var other = await SendJsonAsync(client, HttpMethod.Post, "repos/octo/app/check-runs",
            """{"name":"lint","head_sha":"abc123"}""");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var run = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        var id = run["id"]!.GetValue<long>();
        Assert.Equal("finguard:abc123", run["external_id"]!.GetValue<string>());
        Assert.Equal("in_progress", run["status"]!.GetValue<string>());

        using var updated = await SendJsonAsync(client, HttpMethod.Patch, string.Create(CultureInfo.InvariantCulture, $"repos/octo/app/check-runs/{id}"),
            """{"conclusion":"failure","output":{"title":"1 control failed","summary":"..."}}""");
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var patched = JsonNode.Parse(await updated.Content.ReadAsStringAsync())!;
        Assert.Equal("failure", patched["conclusion"]!.GetValue<string>());
        Assert.Equal("in_progress", patched["status"]!.GetValue<string>());
        Assert.Equal("finguard:abc123", patched["external_id"]!.GetValue<string>());

        var list = JsonNode.Parse(await client.GetStringAsync("repos/octo/app/commits/abc123/check-runs?check_name=FinGuard"))!;
        Assert.Equal(1, list["total_count"]!.GetValue<int>());
        var listed = list["check_runs"]!.AsArray().Single()!;
        Assert.Equal(id, listed["id"]!.GetValue<long>());
        Assert.Equal("1 control failed", listed["output"]!["title"]!.GetValue<string>());
        Assert.Equal(2, JsonNode.Parse(await client.GetStringAsync("repos/octo/app/commits/abc123/check-runs"))!["total_count"]!.GetValue<int>());
        Assert.Equal(0, JsonNode.Parse(await client.GetStringAsync("repos/octo/other/commits/abc123/check-runs"))!["total_count"]!.GetValue<int>());

        Assert.Equal(["FinGuard", "lint"], server.CheckRuns.Select(c => c["name"]!.GetValue<string>()));
        Assert.Equal("failure", server.CheckRuns[0]["conclusion"]!.GetValue<string>());
        server.AssertAllRequestsExistInOpenApi();
        server.AssertNoUnmatchedRequests();
    }

    [Fact]
    public async Task Check_run_endpoints_validate_auth_body_and_id()
    {
        await using var server = await FakeGitHubServer.StartAsync();
        using var anonymous = CreateClient(server);
        using var client = CreateClient(server);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "ghs_fake_1_1");

        using var noAuth = await SendJsonAsync(anonymous, HttpMethod.Post, "repos/octo/app/check-runs", """{"name":"x","head_sha":"a"}""");
        using var noSha = await SendJsonAsync(client, HttpMethod.Post, "repos/octo/app/check-runs", """{"name":"x"}""");
        using var missing = await SendJsonAsync(client, HttpMethod.Patch, "repos/octo/app/check-runs/999", """{"status":"completed"}""");

        Assert.Equal(HttpStatusCode.Unauthorized, noAuth.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noSha.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Empty(server.CheckRuns);
    }

    [Fact]
    public async Task Concurrent_requests_are_all_recorded()
    {
        await using var server = await FakeGitHubServer.StartAsync();
        server.RespondJson("GET", "/repos/{owner}/{repo}", "{}");
        using var client = CreateClient(server);

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => client.GetStringAsync(string.Create(CultureInfo.InvariantCulture, $"repos/octo/app{i}"))));

        Assert.Equal(40, server.Requests.Count);
        Assert.Equal(40, server.Requests.Select(r => r.Path).Distinct().Count());
    }

    [Fact]
    public async Task FindRequests_filters_by_method_and_template()
    {
        await using var server = await FakeGitHubServer.StartAsync();
        using var client = CreateClient(server);
        (await client.GetAsync("repos/o/r/pulls/1")).Dispose();
        (await client.GetAsync("repos/o/r/pulls/2")).Dispose();
        (await client.GetAsync("repos/o/r/issues/2")).Dispose();

        Assert.Equal(2, server.FindRequests("GET", "/repos/{owner}/{repo}/pulls/{pull_number}").Count);
        Assert.Single(server.FindRequests("GET", "/repos/o/r/issues/2"));
        Assert.Empty(server.FindRequests("POST", "/repos/{owner}/{repo}/pulls/{pull_number}"));
    }

    private static HttpClient CreateClient(FakeGitHubServer server) => new() { BaseAddress = server.BaseAddress };

    private static async Task<HttpResponseMessage> PostWithBearerAsync(HttpClient client, string path, string bearer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return await client.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> SendJsonAsync(HttpClient client, HttpMethod method, string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var request = new HttpRequestMessage(method, path) { Content = content };
        return await client.SendAsync(request);
    }

    private static Dictionary<string, Uri> ParseLink(HttpResponseMessage response)
    {
        var rels = new Dictionary<string, Uri>(StringComparer.Ordinal);
        if (response.Headers.TryGetValues("Link", out var values))
        {
            foreach (Match match in LinkRegex().Matches(string.Join(", ", values)))
            {
                rels.Add(match.Groups["rel"].Value, new Uri(match.Groups["url"].Value));
            }
        }

        return rels;
    }

    [GeneratedRegex("<(?<url>[^>]+)>;\\s*rel=\"(?<rel>[^\"]+)\"")]
    private static partial Regex LinkRegex();
}
