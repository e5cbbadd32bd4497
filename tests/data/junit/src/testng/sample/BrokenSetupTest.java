package sample;

import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

public class BrokenSetupTest {
    @BeforeClass
    public void connect() { throw new IllegalStateException("database is not reachable"); }

    @Test public void readsRows() {}
    @Test public void writesRows() {}
}
