#include "engine/expression.h"

#include <cmath>

#include "engine/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spikeserve::engine {
namespace {

using ::testing::HasSubstr;

double Eval(const std::string& text, double d) {
  auto e = Expression::Parse(text, "connector.distance_expression");
  EXPECT_TRUE(e.ok()) << text << ": " << e.status();
  return e.ok() ? e->Evaluate(d) : NAN;
}

TEST(ExpressionTest, ValuesMatchHandComputation) {
  EXPECT_DOUBLE_EQ(Eval("exp(-d/100)", 50), std::exp(-0.5));
  EXPECT_DOUBLE_EQ(Eval("0.5*(d < 3)", 2), 0.5);
  EXPECT_DOUBLE_EQ(Eval("0.5*(d < 3)", 3), 0.0);
  EXPECT_DOUBLE_EQ(Eval("d<=3", 3), 1.0);
  EXPECT_DOUBLE_EQ(Eval("(d > 1) + (d >= 2) + (d == 2) + (d != 2)", 2), 3.0);
  EXPECT_DOUBLE_EQ(Eval("where(d < 50, 1, 0.1)", 10), 1.0);
  EXPECT_DOUBLE_EQ(Eval("where(d < 50, 1, 0.1)", 60), 0.1);
  EXPECT_DOUBLE_EQ(Eval("minimum(d, 2) + maximum(d, 2)", 5), 7.0);
  EXPECT_DOUBLE_EQ(Eval("power(d, 3)", 2), 8.0);
  EXPECT_DOUBLE_EQ(Eval("sqrt(d) + log(e) + sin(pi/2) + cos(0) + tan(0) + abs(-d)", 4),
                   2.0 + 1.0 + 1.0 + 1.0 + 0.0 + 4.0);
  EXPECT_DOUBLE_EQ(Eval("np.exp(-d) * numpy.pi", 1), std::exp(-1.0) * M_PI);
  EXPECT_DOUBLE_EQ(Eval("1.5e2 + .5 + 2. + 1E-1", 0), 150 + 0.5 + 2 + 0.1);
  EXPECT_DOUBLE_EQ(Eval("  d  ", 7), 7.0);
  EXPECT_DOUBLE_EQ(Eval("+d", 7), 7.0);
}

TEST(ExpressionTest, PrecedenceIsPythons) {
  EXPECT_DOUBLE_EQ(Eval("1 + 2 * 3", 0), 7.0);
  EXPECT_DOUBLE_EQ(Eval("(1 + 2) * 3", 0), 9.0);
  EXPECT_DOUBLE_EQ(Eval("-d**2", 3), -9.0);     // ** binds tighter than unary minus
  EXPECT_DOUBLE_EQ(Eval("2**-1", 0), 0.5);      // unary minus on the right of **
  EXPECT_DOUBLE_EQ(Eval("2**3**2", 0), 512.0);  // right-associative
  EXPECT_DOUBLE_EQ(Eval("8 / 4 / 2", 0), 1.0);  // left-associative
  EXPECT_DOUBLE_EQ(Eval("10 - 4 - 3", 0), 3.0);
  EXPECT_DOUBLE_EQ(Eval("1 + 2 < 4", 0), 1.0);  // comparisons bind loosest
  EXPECT_DOUBLE_EQ(Eval("--d", 2), 2.0);
}

TEST(ExpressionTest, NumpySemanticsForSpecialValues) {
  EXPECT_TRUE(std::isinf(Eval("1/d", 0)));
  EXPECT_TRUE(std::isnan(Eval("sqrt(d)", -1)));
  EXPECT_TRUE(std::isnan(Eval("minimum(d, 1)", NAN)));
  EXPECT_DOUBLE_EQ(Eval("where(d, 1, 2)", NAN), 1.0);  // NaN is truthy in numpy
  EXPECT_DOUBLE_EQ(Eval("d < 1", NAN), 0.0);
}

void ExpectRejected(const std::string& text, const std::string& fragment) {
  auto e = Expression::Parse(text, "synapse.parameters.weight");
  ASSERT_FALSE(e.ok()) << text;
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(e.status()), "synapse.parameters.weight");
  EXPECT_EQ(ErrorReason(e.status()), "INVALID_EXPRESSION");
  EXPECT_THAT(e.status().message(), HasSubstr(fragment)) << text;
  EXPECT_THAT(e.status().message(), HasSubstr("Allowed: numbers, the variable d"));
}

TEST(ExpressionTest, RejectsEverythingElseNamingTheToken) {
  ExpectRejected("__import__('os').system('ls')", "unexpected character '''");
  ExpectRejected("__import__(d)", "unknown name '__import__'");
  ExpectRejected("os.system", "attribute access ('os.')");
  ExpectRejected("d.real", "attribute access ('d.')");
  ExpectRejected("np.random(3)", "'np.random' is not allowed");
  ExpectRejected("np", "'np' may only be followed by .<function>");
  ExpectRejected("d(3)", "'d' is not a function");
  ExpectRejected("pi(1)", "'pi' is not a function");
  ExpectRejected("exp", "function 'exp' must be called");
  ExpectRejected("exp(1, 2)", "exp takes 1 argument, got 2");
  ExpectRejected("where(d, 1)", "where takes 3 arguments, got 2");
  ExpectRejected("minimum()", "minimum takes 2 arguments, got 0");
  ExpectRejected("x + 1", "unknown name 'x'");
  ExpectRejected("d and 1", "unexpected 'and'");
  ExpectRejected("lambda: 1", "unexpected character ':'");
  ExpectRejected("lambda", "unknown name 'lambda'");
  ExpectRejected("1 < d < 3", "chained comparisons");
  ExpectRejected("(d + 1", "ends too early");
  ExpectRejected("d + 1)", "unexpected ')'");
  ExpectRejected("d +", "ends too early");
  ExpectRejected("", "the expression is empty");
  ExpectRejected("2d", "'2d' is not a number");
  ExpectRejected("1.2.3", "'1.2.' is not a number");
  ExpectRejected("d[0]", "unexpected character '['");
  ExpectRejected("'abc'", "unexpected character '''");
  ExpectRejected("d // 2", "unexpected '/'");
  ExpectRejected("exp(d=1)", "unexpected character '='");
  ExpectRejected(std::string(200, '(') + "d" + std::string(200, ')'), "nested more than 100");
  std::string wide = "d";
  for (int k = 0; k < 80; ++k) wide = "(d + " + wide + ")";
  ExpectRejected(wide, "more than 64 intermediate values");
  ExpectRejected(std::string(20000, '1'), "longer than 10000");
}

}  // namespace
}  // namespace spikeserve::engine
