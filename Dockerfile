# The Werkstrom image: the launcher (gateway, job, migrate, demo) and the Flink job jar.
FROM maven:3.9.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests package -pl werkstrom-app,stream-jobs -am

FROM eclipse-temurin:17.0.13_11-jre
WORKDIR /opt/werkstrom
COPY --from=build /src/werkstrom-app/target/werkstrom-app.jar /opt/werkstrom/werkstrom-app.jar
COPY --from=build /src/werkstrom-app/target/lib /opt/werkstrom/lib
COPY --from=build /src/stream-jobs/target/stream-jobs-*-job.jar /opt/werkstrom/jobs/
ENTRYPOINT ["java", "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED", \
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", \
            "-cp", "/opt/werkstrom/werkstrom-app.jar:/opt/werkstrom/lib/*", "io.werkstrom.app.Werkstrom"]
CMD ["help"]
