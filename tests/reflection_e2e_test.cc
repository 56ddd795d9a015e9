// Generic clients (grpcurl and the like) discover the API through server
// reflection; check that the real server answers it.
#include <set>
#include <string>

#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/server_process.h"

namespace spikeserve {
namespace {

namespace reflection = grpc::reflection::v1alpha;

TEST(ReflectionTest, ListsTheServicesAndServesTheirDescriptors) {
  testing::ServerProcess server("server/spikeserve");
  auto channel = grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
  auto stub = reflection::ServerReflection::NewStub(channel);
  grpc::ClientContext context;
  auto stream = stub->ServerReflectionInfo(&context);

  reflection::ServerReflectionRequest list;
  list.set_list_services("");
  ASSERT_TRUE(stream->Write(list));
  reflection::ServerReflectionResponse response;
  ASSERT_TRUE(stream->Read(&response));
  std::set<std::string> services;
  for (const auto& service : response.list_services_response().service()) {
    services.insert(service.name());
  }
  EXPECT_EQ(services.count("spikeserve.v1.Simulator"), 1u);
  EXPECT_EQ(services.count("grpc.health.v1.Health"), 1u);

  reflection::ServerReflectionRequest file;
  file.set_file_containing_symbol("spikeserve.v1.Simulator");
  ASSERT_TRUE(stream->Write(file));
  ASSERT_TRUE(stream->Read(&response));
  ASSERT_TRUE(response.has_file_descriptor_response()) << response.DebugString();
  EXPECT_GT(response.file_descriptor_response().file_descriptor_proto_size(), 0);
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

}  // namespace
}  // namespace spikeserve
