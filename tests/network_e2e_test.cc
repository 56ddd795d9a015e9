// The first vertical slice against a real server process: build a Poisson ->
// IF_cond_exp network over gRPC, record, run, reset, run again and stream both
// segments back.
#include <cmath>
#include <memory>
#include <set>

#include "clients/cpp/client.h"
#include "gtest/gtest.h"
#include "tests/shared_server_test.h"

namespace spikeserve {
namespace {

using client::CallResult;
using client::Client;

class NetworkTest : public testing::SharedServerTest {
 protected:
  std::string NewSession(uint64_t seed = 42) {
    v1::CreateSessionRequest request;
    request.set_timestep_ms(0.1);
    request.set_seed(seed);
    request.set_label("e2e");
    v1::SessionDescription session;
    CallResult result =
        client_->Call(&v1::Simulator::Stub::PrepareAsyncCreateSession, request, &session);
    EXPECT_TRUE(result.ok()) << result.message();
    EXPECT_EQ(session.session_id().size(), 32u);
    return session.session_id();
  }
};

TEST_F(NetworkTest, HealthIsServing) {
  bool serving = false;
  ASSERT_TRUE(client_->CheckHealth("", &serving).ok());
  EXPECT_TRUE(serving);
  ASSERT_TRUE(client_->CheckHealth("spikeserve.v1.Simulator", &serving).ok());
  EXPECT_TRUE(serving);
}

TEST_F(NetworkTest, CapabilitiesListTheModelsWithPyNNDefaults) {
  v1::Capabilities capabilities;
  ASSERT_TRUE(client_
                  ->Call(&v1::Simulator::Stub::PrepareAsyncGetCapabilities,
                         v1::GetCapabilitiesRequest(), &capabilities)
                  .ok());
  EXPECT_EQ(capabilities.api_version(), "spikeserve.v1");
  std::set<std::string> names;
  for (const v1::CellTypeInfo& cell : capabilities.cell_types()) {
    names.insert(cell.name());
    if (cell.name() != "IF_cond_exp") continue;
    EXPECT_TRUE(cell.conductance_based());
    std::map<std::string, std::pair<double, std::string>> parameters;
    for (const v1::ParameterInfo& p : cell.parameters()) {
      parameters[p.name()] = {p.default_value(), p.units()};
    }
    EXPECT_EQ(parameters["tau_m"], std::make_pair(20.0, std::string("ms")));
    EXPECT_EQ(parameters["e_rev_I"], std::make_pair(-70.0, std::string("mV")));
    EXPECT_EQ(parameters["cm"], std::make_pair(1.0, std::string("nF")));
  }
  for (const char* expected : {"IF_curr_exp", "IF_curr_alpha", "IF_cond_exp", "IF_cond_alpha",
                               "SpikeSourceArray", "SpikeSourcePoisson"}) {
    EXPECT_EQ(names.count(expected), 1u) << expected;
  }
}

TEST_F(NetworkTest, ThousandNeuronsRunResetRunAndStreamBothSegments) {
  const std::string session = NewSession();

  v1::CreatePopulationRequest noise;
  noise.set_session_id(session);
  noise.set_size(100);
  noise.set_cell_type("SpikeSourcePoisson");
  noise.set_label("noise");
  (*noise.mutable_parameters())["rate"] = client::Scalar(50.0);
  v1::PopulationInfo noise_info;
  ASSERT_TRUE(
      client_->Call(&v1::Simulator::Stub::PrepareAsyncCreatePopulation, noise, &noise_info).ok());

  v1::CreatePopulationRequest cells;
  cells.set_session_id(session);
  cells.set_size(1000);
  cells.set_cell_type("IF_cond_exp");
  cells.set_label("cells");
  (*cells.mutable_parameters())["tau_m"] = client::Scalar(15.0);
  v1::PopulationInfo cells_info;
  CallResult created =
      client_->Call(&v1::Simulator::Stub::PrepareAsyncCreatePopulation, cells, &cells_info);
  ASSERT_TRUE(created.ok()) << created.message();
  // Ids are contiguous blocks assigned by the server.
  EXPECT_EQ(cells_info.first_id(), noise_info.first_id() + 100);
  EXPECT_EQ(cells_info.size(), 1000u);

  v1::CreateProjectionRequest projection;
  projection.set_session_id(session);
  *projection.mutable_pre() = client::WholePopulation(noise_info.population_id());
  *projection.mutable_post() = client::WholePopulation(cells_info.population_id());
  projection.mutable_connector()->set_name("FixedProbabilityConnector");
  (*projection.mutable_connector()->mutable_parameters())["p_connect"] = 0.2;
  (*projection.mutable_synapse()->mutable_parameters())["weight"] = client::Scalar(0.004);
  (*projection.mutable_synapse()->mutable_parameters())["delay"] = client::Scalar(0.52);
  projection.set_receptor_type("excitatory");
  v1::ProjectionInfo projection_info;
  CallResult connected = client_->Call(&v1::Simulator::Stub::PrepareAsyncCreateProjection,
                                       projection, &projection_info);
  ASSERT_TRUE(connected.ok()) << connected.message();
  // 100 x 1000 candidates at p = 0.2: mean 20000, sd 126.5; 5 sd either side.
  EXPECT_NEAR(static_cast<double>(projection_info.num_connections()), 20000.0, 633.0);

  client::Connections connections;
  v1::GetConnectionsRequest get_connections;
  get_connections.set_session_id(session);
  get_connections.set_projection_id(projection_info.projection_id());
  get_connections.add_names("weight");
  get_connections.add_names("delay");
  ASSERT_TRUE(client_->GetConnections(get_connections, &connections).ok());
  ASSERT_EQ(connections.pre.size(), projection_info.num_connections());
  for (size_t k = 0; k < connections.pre.size(); ++k) {
    ASSERT_LT(connections.pre[k], 100u);
    ASSERT_LT(connections.post[k], 1000u);
    ASSERT_NEAR(connections.values["weight"][k], 0.004, 1e-9);
    // 0.52 ms is rounded to the nearest step.
    ASSERT_NEAR(connections.values["delay"][k], 0.5, 1e-9);
  }

  v1::RecordRequest record_spikes;
  record_spikes.set_session_id(session);
  *record_spikes.mutable_cells() = client::WholePopulation(cells_info.population_id());
  record_spikes.add_variables("spikes");
  v1::RecordResponse recorded;
  ASSERT_TRUE(
      client_->Call(&v1::Simulator::Stub::PrepareAsyncRecord, record_spikes, &recorded).ok());
  v1::RecordRequest record_v;
  record_v.set_session_id(session);
  *record_v.mutable_cells() =
      client::PopulationView(cells_info.population_id(), {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  record_v.add_variables("v");
  ASSERT_TRUE(client_->Call(&v1::Simulator::Stub::PrepareAsyncRecord, record_v, &recorded).ok());

  v1::RunRequest run;
  run.set_session_id(session);
  run.set_duration_ms(100.0);
  run.set_progress_interval_ms(20.0);
  v1::LiveDataRequest& live = *run.mutable_live_data();
  *live.mutable_cells() = client::WholePopulation(cells_info.population_id());
  live.add_variables("spikes");
  live.set_policy(v1::PAUSE);
  v1::RunFinished finished;
  int progress_events = 0;
  uint64_t live_spikes = 0;
  double live_until_ms = 0.0;
  CallResult ran = client_->Run(
      run, &finished,
      [&](const v1::RunProgress& progress) {
        ++progress_events;
        EXPECT_LE(progress.t_ms(), 100.0 + 1e-9);
        EXPECT_LE(progress.t_ms(), live_until_ms + 1e-9);  // data first, then progress
      },
      [&](const v1::RunEvent& event) {
        ASSERT_TRUE(event.has_live_chunk());  // PAUSE drops nothing
        live_until_ms = std::max(live_until_ms, event.live_chunk().t_stop_ms());
        if (event.live_chunk().chunk().has_spike_batch())
          live_spikes += event.live_chunk().chunk().spike_batch().num_spikes();
      });
  ASSERT_TRUE(ran.ok()) << ran.message();
  EXPECT_DOUBLE_EQ(finished.t_ms(), 100.0);
  EXPECT_EQ(finished.steps(), 1000u);
  EXPECT_FALSE(finished.stopped());
  EXPECT_GE(progress_events, 4);
  run.clear_live_data();

  v1::ResetRequest reset;
  reset.set_session_id(session);
  (*reset.mutable_annotations())["trial"].set_int_value(1);
  v1::ResetResponse reset_response;
  ASSERT_TRUE(client_->Call(&v1::Simulator::Stub::PrepareAsyncReset, reset, &reset_response).ok());
  EXPECT_EQ(reset_response.num_segments(), 2u);

  run.set_duration_ms(50.0);
  ASSERT_TRUE(client_->Run(run, &finished).ok());
  EXPECT_DOUBLE_EQ(finished.t_ms(), 50.0);

  v1::GetDataRequest get_data;
  get_data.set_session_id(session);
  *get_data.mutable_cells() = client::WholePopulation(cells_info.population_id());
  get_data.set_max_chunk_bytes(64 << 10);  // forces many chunks
  client::Block block;
  CallResult got = client_->GetData(get_data, &block);
  ASSERT_TRUE(got.ok()) << got.message();

  EXPECT_EQ(block.start.name(), "cells");
  EXPECT_EQ(block.start.simulator(), "spikeserve");
  EXPECT_DOUBLE_EQ(block.start.dt_ms(), 0.1);
  ASSERT_EQ(block.segments.size(), 2u);
  EXPECT_GT(block.num_chunks, 10u);

  const double t_stop[] = {100.0, 50.0};
  for (int s = 0; s < 2; ++s) {
    const client::NeoSegment& segment = block.segments[s];
    EXPECT_EQ(segment.start.name(), s == 0 ? "segment000" : "segment001");
    EXPECT_DOUBLE_EQ(segment.start.t_start_ms(), 0.0);
    EXPECT_DOUBLE_EQ(segment.start.t_stop_ms(), t_stop[s]);
    EXPECT_EQ(segment.start.closed(), s == 0);

    const client::AnalogSignal* v = segment.FindSignal("v");
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->header.units(), "mV");
    EXPECT_DOUBLE_EQ(v->header.sampling_period_ms(), 0.1);
    EXPECT_DOUBLE_EQ(v->header.t_start_ms(), 0.0);
    // PyNN's convention: t = 0 included, so run/dt + 1 samples.
    EXPECT_EQ(v->num_samples(), static_cast<size_t>(std::lround(t_stop[s] / 0.1)) + 1);
    ASSERT_EQ(v->num_channels(), 10u);
    EXPECT_EQ(v->header.source_population(), "cells");
    for (int c = 0; c < 10; ++c) {
      EXPECT_EQ(v->source_ids[c], cells_info.first_id() + c);
      EXPECT_EQ(v->channel_index[c], static_cast<uint64_t>(c));
      EXPECT_DOUBLE_EQ(v->at(0, c), -65.0);  // the initial value
    }
    for (size_t k = 0; k < v->num_samples(); ++k) {
      for (size_t c = 0; c < 10; ++c) {
        ASSERT_GE(v->at(k, c), -80.0);
        ASSERT_LE(v->at(k, c), -50.0 + 1e-9);  // never above threshold after the update
      }
    }

    ASSERT_EQ(segment.spike_trains.size(), 1u);
    const client::SpikeTrains& spikes = segment.spike_trains[0];
    EXPECT_EQ(spikes.source_ids.size(), 1000u);
    EXPECT_EQ(spikes.source_ids[999], cells_info.first_id() + 999);
    EXPECT_GT(spikes.times_ms.size(), 100u) << "the network should be driven to fire";
    if (s == 0) EXPECT_EQ(spikes.times_ms.size(), live_spikes);  // live data had every spike
    for (size_t k = 0; k < spikes.times_ms.size(); ++k) {
      ASSERT_GT(spikes.times_ms[k], 0.0);
      ASSERT_LE(spikes.times_ms[k], t_stop[s] + 1e-9);
      // Spike times lie on the time grid.
      ASSERT_NEAR(spikes.times_ms[k] / 0.1, std::round(spikes.times_ms[k] / 0.1), 1e-6);
      if (k > 0) {
        ASSERT_GE(spikes.times_ms[k], spikes.times_ms[k - 1]);
      }
    }
  }
  // The annotations given to reset belong to the segment it closed.
  ASSERT_EQ(block.segments[0].start.annotations().count("trial"), 1u);
  EXPECT_EQ(block.segments[0].start.annotations().at("trial").int_value(), 1);
  EXPECT_TRUE(block.segments[1].start.annotations().empty());

  // Reading does not consume: a second read returns the same data.
  client::Block again;
  ASSERT_TRUE(client_->GetData(get_data, &again).ok());
  ASSERT_EQ(again.segments.size(), 2u);
  EXPECT_EQ(again.segments[0].spike_trains[0].times_ms, block.segments[0].spike_trains[0].times_ms);
  EXPECT_EQ(again.segments[1].FindSignal("v")->values, block.segments[1].FindSignal("v")->values);

  // float32 on request: the same values, rounded.
  get_data.set_dtype(v1::FLOAT32);
  get_data.add_variables("v");
  get_data.add_segments(1);
  client::Block narrow;
  ASSERT_TRUE(client_->GetData(get_data, &narrow).ok());
  ASSERT_EQ(narrow.segments.size(), 1u);
  EXPECT_TRUE(narrow.segments[0].spike_trains.empty());
  const std::vector<double>& wide = block.segments[1].FindSignal("v")->values;
  const std::vector<double>& rounded = narrow.segments[0].FindSignal("v")->values;
  ASSERT_EQ(wide.size(), rounded.size());
  for (size_t k = 0; k < wide.size(); ++k) {
    ASSERT_EQ(rounded[k], static_cast<double>(static_cast<float>(wide[k])));
  }

  v1::DescribeSessionRequest describe;
  describe.set_session_id(session);
  v1::SessionDescription description;
  ASSERT_TRUE(
      client_->Call(&v1::Simulator::Stub::PrepareAsyncDescribeSession, describe, &description)
          .ok());
  EXPECT_EQ(description.num_neurons(), 1100u);
  EXPECT_EQ(description.num_synapses(), projection_info.num_connections());
  EXPECT_EQ(description.num_segments(), 2u);
  EXPECT_DOUBLE_EQ(description.t_ms(), 50.0);
  // Every recorded value is held in memory: 8 bytes per sample value, 12
  // per spike; synapses hold at least their post position each (two bytes
  // into a thousand cells), and every cell has a ring for each receptor.
  uint64_t recorded_bytes = 0;
  for (const client::NeoSegment& segment : block.segments) {
    const client::AnalogSignal* v = segment.FindSignal("v");
    recorded_bytes += 8 * v->num_samples() * v->num_channels();
    recorded_bytes += 12 * segment.spike_trains[0].times_ms.size();
  }
  EXPECT_EQ(description.memory().recording_bytes(), recorded_bytes);
  EXPECT_EQ(description.memory().spilled_recording_bytes(), 0u);
  EXPECT_GE(description.memory().synapse_bytes(), 2 * description.num_synapses());
  EXPECT_GE(description.memory().ring_buffer_bytes(), 1000u * 2 * sizeof(float));

  v1::CloseSessionRequest close;
  close.set_session_id(session);
  v1::CloseSessionResponse closed;
  ASSERT_TRUE(client_->Call(&v1::Simulator::Stub::PrepareAsyncCloseSession, close, &closed).ok());
  CallResult gone =
      client_->Call(&v1::Simulator::Stub::PrepareAsyncDescribeSession, describe, &description);
  EXPECT_EQ(gone.code(), grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace spikeserve
