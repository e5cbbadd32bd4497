package sample;

import org.testng.Assert;
import org.testng.IRetryAnalyzer;
import org.testng.ITestResult;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

public class SampleTest {
    public static class RetryOnce implements IRetryAnalyzer {
        private int retries = 0;
        public boolean retry(ITestResult result) { return retries++ < 1; }
    }

    @Test
    public void passes() {}

    @Test(retryAnalyzer = RetryOnce.class)
    public void failsEvenWhenRetried() { Assert.fail("still broken"); }

    @DataProvider
    public Object[][] numbers() { return new Object[][] {{2}, {3}}; }

    @Test(dataProvider = "numbers")
    public void isEven(int n) { Assert.assertEquals(n % 2, 0, n + " is odd"); }
}
