namespace KafkaTyped.IntegrationTests.Storage;

/// <summary>
/// The PostgreSQL server of the storage tests, named by <c>KAFKATYPED_POSTGRES</c> (an Npgsql connection string;
/// <c>.ci/postgres start</c> starts one and prints it). Without it a test skips, saying why, or fails when
/// <c>CI=true</c>: CI must not pass by skipping.
/// </summary>
public static class PostgresServer
{
    /// <summary>The environment variable.</summary>
    public const string Variable = "KAFKATYPED_POSTGRES";

    /// <summary>The connection string; skips or fails the calling test when there is none.</summary>
    public static string ConnectionString
    {
        get
        {
            if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } connectionString)
            {
                return connectionString;
            }

            var reason = $"{Variable} is not set, so there is no PostgreSQL server for this test (start one with: eval \"$(.ci/postgres start)\").";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(reason + " CI=true: the tests that need PostgreSQL fail instead of skipping.");
            }

            Assert.Skip(reason);
            return string.Empty;
        }
    }
}
