using KafkaTyped.Diagnostics;

namespace KafkaTyped.Tests.Hosting;

/// <summary>librdkafka's statistics reports are diagnostics: one that cannot be read is ignored, never a failure.</summary>
public sealed class LibrdkafkaStatisticsTests
{
    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"name\":42}")]
    [InlineData("{\"name\":\"x\",\"brokers\":[]}")]
    [InlineData("{\"name\":\"x\",\"brokers\":{\"b\":{\"nodeid\":\"one\",\"rtt\":7}}}")]
    [InlineData("{\"name\":\"x\",\"msg_cnt\":1e400,\"brokers\":{\"b\":{\"nodeid\":1,\"rtt\":{\"avg\":-5}}}}")]
    public void A_report_that_cannot_be_read_is_ignored(string json)
    {
        LibrdkafkaStatistics.Report(json);
        LibrdkafkaStatistics.Forget("x");
    }
}
